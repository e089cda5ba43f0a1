import { outputFileCost } from '@kiln/tasks';
import { returnedFiles } from './output-files';

const file = (name: string | Buffer, content: string) => ({ name: Buffer.isBuffer(name) ? name : Buffer.from(name), mode: 0o644, content: Buffer.from(content) });

describe('returnedFiles', () => {
  it('keeps the matching files in name order, whole, within the room and the count', () => {
    const collected = [file('b.png', 'bb'), file('main.py', 'print()'), file('a.png', 'a'), file('c.png', 'ccc')];
    const all = returnedFiles(collected, { patterns: ['*.png'], maxFiles: 10, room: 10_000 });
    expect(all.files.map((f) => [f.name, f.size, Buffer.from(f.content, 'base64').toString()])).toEqual([
      ['a.png', 1, 'a'],
      ['b.png', 2, 'bb'],
      ['c.png', 3, 'ccc'],
    ]);
    expect(all.truncated).toBe(false);
    expect(all.budgetUsed).toBe(outputFileCost('a.png', 1) + outputFileCost('b.png', 2) + outputFileCost('c.png', 3));
    const two = returnedFiles(collected, { patterns: ['*.png'], maxFiles: 2, room: 10_000 });
    expect(two.files.map((f) => f.name)).toEqual(['a.png', 'b.png']);
    expect(two.truncated).toBe(true);
  });

  it('leaves a file that does not fit behind and still takes a smaller one after it', () => {
    const collected = [file('a.bin', 'x'.repeat(300)), file('b.bin', 'y')];
    const picked = returnedFiles(collected, { patterns: ['*.bin'], maxFiles: 10, room: outputFileCost('b.bin', 1) + 10 });
    expect(picked.files.map((f) => f.name)).toEqual(['b.bin']);
    expect(picked.truncated).toBe(true);
    expect(picked.budgetUsed).toBe(outputFileCost('b.bin', 1));
  });

  it('a name that is not UTF-8 matches no pattern', () => {
    const picked = returnedFiles([file(Buffer.from([0x66, 0xff, 0x2e, 0x70, 0x6e, 0x67]), 'x')], { patterns: ['**'], maxFiles: 10, room: 10_000 });
    expect(picked).toEqual({ files: [], truncated: false, budgetUsed: 0 });
  });
});
