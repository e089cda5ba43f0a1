import { shellWords } from './shell-words';

describe('shellWords', () => {
  it.each([
    [null, []],
    ['', []],
    ['  a  b ', ['a', 'b']],
    ['-O2 -std=c++17', ['-O2', '-std=c++17']],
    [`"a b" 'c d' e\\ f`, ['a b', 'c d', 'e f']],
    [`"" ''`, ['', '']],
    [`-DNAME='"x y"'`, ['-DNAME="x y"']],
    [`"say \\"hi\\""`, ['say "hi"']],
  ])('%j → %j', (text, words) => {
    expect(shellWords(text)).toEqual(words);
  });

  it('drops what Judge0 deletes before bash sees it, so nothing is substituted or chained', () => {
    expect(shellWords('$(id) `id`; rm -rf / && x | y > z < w')).toEqual(['(id)', 'id', 'rm', '-rf', '/', 'x', 'y', 'z', 'w']);
  });
});
