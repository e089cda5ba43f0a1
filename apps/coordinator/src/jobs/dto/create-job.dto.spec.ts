import { SAFE_FILE_NAME } from './create-job.dto';

describe('SAFE_FILE_NAME', () => {
  it.each(['main.c', 'src/util.py', 'a/b/c.txt', '.hidden', 'x..y', 'Main.java', 'a_b-c.d'])('accepts %s', (name) => {
    expect(SAFE_FILE_NAME.test(name)).toBe(true);
  });

  it.each(['../x', 'a/../b', '/etc/passwd', 'a//b', './a', 'a/.', '..', '', 'a\0b', '-fplugin=x.so', 'a/-o', 'a b', 'a\\b', 'é.py'])(
    'refuses %j',
    (name) => {
      expect(SAFE_FILE_NAME.test(name)).toBe(false);
    },
  );
});
