import { DEFAULT_URL, parseCliArguments, UsageError } from './cli-arguments';

describe('parseCliArguments', () => {
  const env = {};

  it('reads kiln run with every option, both spellings', () => {
    expect(parseCliArguments(['run', 'x.py', '--lang', 'py', '--stdin=-', '--timeout', '2000', '--url', 'http://kiln.test:9', '--key=k', '--json'], env)).toEqual({
      command: 'run',
      file: 'x.py',
      lang: 'py',
      stdin: '-',
      timeoutMs: 2000,
      url: 'http://kiln.test:9',
      key: 'k',
      json: true,
      args: [],
    });
  });

  it('gives everything after --args (or --) to the program, verbatim', () => {
    expect(parseCliArguments(['run', 'x.py', '--args', '--json', 'a b', '-'], env)).toMatchObject({ json: false, args: ['--json', 'a b', '-'] });
    expect(() => parseCliArguments(['run', '--', 'x'], env)).toThrow('kiln run needs <file>');
    expect(parseCliArguments(['run', 'x.py', '--', '1'], env)).toMatchObject({ args: ['1'] });
  });

  it('takes --url and --key from KILN_URL and KILN_KEY, else the local default', () => {
    expect(parseCliArguments(['languages'], {})).toMatchObject({ url: DEFAULT_URL, key: null });
    expect(parseCliArguments(['languages'], { KILN_URL: 'https://kiln.example', KILN_KEY: 'secret' })).toMatchObject({ url: 'https://kiln.example', key: 'secret' });
    expect(parseCliArguments(['job', 'abc', '--url', 'http://other.test:1'], { KILN_URL: 'https://kiln.example' })).toMatchObject({ command: 'job', id: 'abc', url: 'http://other.test:1' });
  });

  it('reads kiln mcp with its server and key', () => {
    expect(parseCliArguments(['mcp', '--url', 'http://kiln.test:9', '--key', 'k'], env)).toEqual({ command: 'mcp', url: 'http://kiln.test:9', key: 'k', json: false });
    expect(parseCliArguments(['mcp'], { KILN_KEY: 'secret' })).toMatchObject({ command: 'mcp', url: DEFAULT_URL, key: 'secret' });
  });

  it.each([
    [['mcp', 'extra'], 'unexpected argument "extra"'],
    [['mcp', '--lang', 'c'], 'unknown option --lang'],
    [['run'], 'kiln run needs <file>'],
    [['run', 'a.py', 'b.py'], 'unexpected argument "b.py"'],
    [['run', 'a.py', '--timeout', '1.5'], '--timeout must be a whole number'],
    [['run', 'a.py', '--lang'], '--lang needs a value'],
    [['run', 'a.py', '--fast'], 'unknown option --fast'],
    [['languages', '--lang', 'c'], 'unknown option --lang'],
    [['job'], 'kiln job needs <id>'],
    [['languages', '--url', 'localhost:8080'], '--url must be an http(s) address'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCliArguments(argv, env)).toThrow(UsageError);
    expect(() => parseCliArguments(argv, env)).toThrow(message);
  });
});
