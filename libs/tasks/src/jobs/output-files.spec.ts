import { base64Bytes } from './output-budget';
import { matchesAnyOutputPattern, matchesOutputPattern, outputFileCost, outputPatternProblem } from './output-files';

describe('output file patterns', () => {
  it.each([
    ['*.png', 'plot.png', true],
    ['*.png', 'out/plot.png', false],
    ['*.png', '.hidden.png', true],
    ['plot?.png', 'plot1.png', true],
    ['plot?.png', 'plot10.png', false],
    ['out/**', 'out/a', true],
    ['out/**', 'out/a/b/c.txt', true],
    ['out/**', 'out', false],
    ['**', 'a/b', true],
    ['out/**', 'outside/a', false],
    ['**/*.csv', 'data.csv', true],
    ['**/*.csv', 'a/b/data.csv', true],
    ['**/*.csv', 'a/b/data.csv.gz', false],
    ['a/**/z', 'a/z', true],
    ['a/**/z', 'a/b/c/z', true],
    ['(x)+[y].txt', '(x)+[y].txt', true],
    ['(x)+[y].txt', 'xxy.txt', false],
    ['é*', 'été.txt', true],
    ['*', 'a/b', false],
  ])('%s against %s: %s', (pattern, path, expected) => {
    expect(outputPatternProblem(pattern)).toBeNull();
    expect(matchesOutputPattern(path, pattern)).toBe(expected);
  });

  it('matches a path against any of several patterns', () => {
    expect(matchesAnyOutputPattern('out/x', ['*.png', 'out/**'])).toBe(true);
    expect(matchesAnyOutputPattern('main.py', ['*.png', 'out/**'])).toBe(false);
  });

  it.each([
    ['', 'must not be empty'],
    ['/etc/passwd', 'relative'],
    ['../x', '".."'],
    ['a/../../x', '".."'],
    ['./x', '"."'],
    ['a//b', 'empty segment'],
    ['out/', 'empty segment'],
    ['a\u0000b', 'control'],
    ['a\nb', 'control'],
    ['a**', 'whole segment'],
    ['x'.repeat(256), 'at most 255 bytes'],
    ['é'.repeat(128), 'at most 255 bytes'],
  ])('refuses %j (%s)', (pattern, message) => {
    expect(outputPatternProblem(pattern)).toContain(message);
  });

  it('costs a file as its JSON entry with base64 content', () => {
    const name = 'plot "1".png';
    const entry = JSON.stringify({ name, size: 1000, encoding: 'base64', content: Buffer.alloc(1000).toString('base64') });
    expect(outputFileCost(name, 1000)).toBe(Buffer.byteLength(entry) + 1);
    expect(outputFileCost('a', 0)).toBeLessThan(outputFileCost('a', 3));
    expect(outputFileCost('a', 3) - outputFileCost('a', 0)).toBe(base64Bytes(3));
  });
});
