import { LanguageDefinition, LanguageRegistry } from '@kiln/tasks';
import { Judge0Languages, judge0Name } from './judge0-languages';

function language(id: string, name: string, version: string): LanguageDefinition {
  return { id, name, version, aliases: [], image: 'kiln/base', file: 'main', extensions: [], run: ['x'], env: {} };
}

describe('Judge0Languages', () => {
  const table = new Judge0Languages(
    new LanguageRegistry([language('python', 'Python', '3.11.2'), language('c', 'C (GCC)', '12.2.0'), language('awk', 'AWK (mawk)', '1.3.4')]),
  );

  it('uses Judge0 CE’s ids where Judge0 has the language, and names them Judge0’s way', () => {
    expect(table.list().slice(0, 2).map(({ id, name }) => ({ id, name }))).toEqual([
      { id: 50, name: 'C (GCC 12.2.0)' },
      { id: 71, name: 'Python (3.11.2)' },
    ]);
    expect(table.find(71)?.definition.id).toBe('python');
    expect(table.find(75)?.definition.id).toBe('c');
    expect(table.find(70)).toBeUndefined();
  });

  it('gives a language Judge0 lacks a stable id outside Judge0’s range', () => {
    const awk = table.list().find((entry) => entry.definition.id === 'awk')!;
    expect(awk.id).toBeGreaterThanOrEqual(1000);
    expect(awk.id).toBeLessThan(10000);
    const again = new Judge0Languages(new LanguageRegistry([language('awk', 'AWK (mawk)', '1.3.4'), language('zig', 'Zig', '0.11.0')]));
    expect(again.list().find((entry) => entry.definition.id === 'awk')!.id).toBe(awk.id);
  });

  it('formats names like Judge0', () => {
    expect(judge0Name(language('js', 'JavaScript (Node.js)', '18.20.4'))).toBe('JavaScript (Node.js 18.20.4)');
  });
});
