import { LanguageDefinition } from './language';
import { isOutOfMemoryExit, mainFileName } from './language-rules';

const java: LanguageDefinition = {
  id: 'java', name: 'Java', version: '17', aliases: [], image: 'kiln/jvm', file: 'Main.java', extensions: ['.java'],
  run: ['java', '{stem}'], env: {},
  fileFromCode: 'public\\s+(?:(?:final|abstract)\\s+)*class\\s+([A-Za-z_][A-Za-z0-9_]*)',
  outOfMemory: { exitCode: 3, output: 'java.lang.OutOfMemoryError' },
};

describe('mainFileName', () => {
  it('names the file after what fileFromCode finds in the code', () => {
    expect(mainFileName(java, 'import x;\npublic final class Solution { }')).toBe('Solution.java');
  });

  it('falls back to the language’s file when nothing (or nothing plain) is found', () => {
    expect(mainFileName(java, 'class Main { }')).toBe('Main.java');
    expect(mainFileName({ ...java, fileFromCode: 'name=(\\S+)' }, 'name=../../etc')).toBe('Main.java');
    expect(mainFileName({ ...java, fileFromCode: undefined }, 'public class Solution {}')).toBe('Main.java');
  });
});

describe('isOutOfMemoryExit', () => {
  const said = [Buffer.from('Terminating due to java.lang.OutOfMemoryError: Java heap space\n'), Buffer.alloc(0)];

  it('needs every condition of the signature, the text in either stream', () => {
    expect(isOutOfMemoryExit(java, 3, said)).toBe(true);
    expect(isOutOfMemoryExit(java, 3, [...said].reverse())).toBe(true);
    expect(isOutOfMemoryExit(java, 1, said)).toBe(false);
    expect(isOutOfMemoryExit(java, 3, [Buffer.from('Exception in thread "main"')])).toBe(false);
    expect(isOutOfMemoryExit(java, null, said)).toBe(false);
    expect(isOutOfMemoryExit({ ...java, outOfMemory: undefined }, 3, said)).toBe(false);
  });
});
