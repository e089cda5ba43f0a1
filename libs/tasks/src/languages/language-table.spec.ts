import { expandCommand, takesArgs, takesCompilerOptions, unknownPlaceholders } from './command-template';
import { LanguageRegistry } from './language-registry';
import { LanguageTableError, parseLanguageTable } from './language-table';

const python = { id: 'python', name: 'Python', version: '3.11', aliases: ['py'], image: 'kiln/python', file: 'main.py', run: ['python3', '{file}', '{args}'] };
const c = { id: 'c', name: 'C', version: '12', image: 'kiln/gcc', file: 'main.c', compile: ['gcc', '-o', 'main', '{sources}'], run: ['./main', '{args}'] };

function problemsOf(document: unknown): string[] {
  try {
    parseLanguageTable(document);
  } catch (error) {
    return (error as LanguageTableError).problems;
  }
  return [];
}

describe('parseLanguageTable', () => {
  it('accepts valid entries and fills defaults', () => {
    const [py, gcc] = parseLanguageTable({ languages: [python, c] });
    expect(py.extensions).toEqual(['.py']);
    expect(py.compile).toBeUndefined();
    expect(gcc.compile).toEqual(['gcc', '-o', 'main', '{sources}']);
    expect(gcc.aliases).toEqual([]);
  });

  it('names the entry and the key of every problem', () => {
    const problems = problemsOf({ languages: [python, { ...c, run: 'gcc', colour: 1 }, { ...python, id: 'Py Thon' }] });
    expect(problems).toEqual(
      expect.arrayContaining([
        'languages[1] (c): key "colour": unknown key',
        'languages[1] (c): key "run": must be a non-empty list of strings',
        'languages[2] (Py Thon): key "id": must be lower-case letters, digits, and _+#.- (max 32)',
      ]),
    );
  });

  it('refuses unknown placeholders and list placeholders inside an argument', () => {
    const problems = problemsOf({ languages: [{ ...python, run: ['python3', '{flie}', '--x={args}'] }] });
    expect(problems[0]).toContain('unknown placeholder(s): flie, args (must be a whole argument)');
  });

  it('refuses a name used by two languages', () => {
    const problems = problemsOf({ languages: [python, { ...c, aliases: ['py'] }] });
    expect(problems).toEqual(['languages (c): name "py" is already used by python']);
  });

  it('accepts versionCommand, fileFromCode and outOfMemory', () => {
    const [java] = parseLanguageTable({
      languages: [{ ...c, versionCommand: ['gcc', '--version'], fileFromCode: 'class (\\w+)', outOfMemory: { exitCode: 3 } }],
    });
    expect(java).toMatchObject({ versionCommand: ['gcc', '--version'], fileFromCode: 'class (\\w+)', outOfMemory: { exitCode: 3 } });
  });

  it('names the key of a bad versionCommand, fileFromCode or outOfMemory', () => {
    const problems = problemsOf({
      languages: [
        { ...c, versionCommand: 'gcc --version', fileFromCode: 'class \\w+', outOfMemory: { exitCode: 300 } },
        { ...python, fileFromCode: '(unclosed', outOfMemory: { signal: 9 } },
      ],
    });
    expect(problems).toEqual([
      'languages[0] (c): key "versionCommand": must be a non-empty list of strings',
      'languages[0] (c): key "fileFromCode": must have a capturing group (the name)',
      'languages[0] (c): key "outOfMemory": must be {exitCode: 0-255, output: text}, at least one of them',
      'languages[1] (python): key "fileFromCode": must be a valid regular expression',
      'languages[1] (python): key "outOfMemory": must be {exitCode: 0-255, output: text}, at least one of them',
    ]);
  });

  it('accepts packages with their versions and a packagesCommand; names a bad one', () => {
    const [py] = parseLanguageTable({ languages: [{ ...python, packages: { numpy: '1.24.2' }, packagesCommand: ['python3', '-c', 'x'] }] });
    expect(py).toMatchObject({ packages: { numpy: '1.24.2' }, packagesCommand: ['python3', '-c', 'x'] });
    expect(new LanguageRegistry([py]).summaries()[0].packages).toEqual({ numpy: '1.24.2' });
    expect(new LanguageRegistry(parseLanguageTable({ languages: [c] })).summaries()[0]).not.toHaveProperty('packages');
    expect(problemsOf({ languages: [{ ...python, packages: { numpy: 1 }, packagesCommand: [] }] })).toEqual([
      'languages[0] (python): key "packages": must map package names to version strings',
      'languages[0] (python): key "packagesCommand": must be a non-empty list of strings',
    ]);
    expect(problemsOf({ languages: [{ ...python, packages: ['numpy'] }] })).toHaveLength(1);
  });

  it('accepts a queue for the language and names a bad one', () => {
    const [py] = parseLanguageTable({ languages: [{ ...python, queue: 'untrusted' }] });
    expect(py.queue).toBe('untrusted');
    expect(parseLanguageTable({ languages: [c] })[0]).not.toHaveProperty('queue');
    expect(problemsOf({ languages: [{ ...python, queue: 'Not A Queue' }] })).toEqual(['languages[0] (python): key "queue": must be 1-32 of a-z, 0-9, _ and -']);
  });

  it('refuses an empty table', () => {
    expect(problemsOf({})).toEqual(['key "languages": must be a non-empty list']);
  });
});

describe('LanguageRegistry', () => {
  it('resolves ids and aliases case-insensitively', () => {
    const registry = new LanguageRegistry(parseLanguageTable({ languages: [python, c] }));
    expect(registry.resolve('PY')?.id).toBe('python');
    expect(registry.resolve('c')?.id).toBe('c');
    expect(registry.resolve('cobol')).toBeUndefined();
    expect(registry.summaries()).toEqual([
      { id: 'python', name: 'Python', version: '3.11', aliases: ['py'], compiled: false },
      { id: 'c', name: 'C', version: '12', aliases: [], compiled: true },
    ]);
  });
});

describe('expandCommand', () => {
  const values = { file: 'Main.java', stem: 'Main', sources: ['a.c', 'b.c'], args: ['$(id)', 'a b'], compilerOptions: ['-std=c99', '-D X=1'], memoryMb: '256', heapMb: '192', processes: '64', cpus: '1' };

  it('expands list placeholders into separate arguments, never splitting or interpreting them', () => {
    expect(expandCommand(['gcc', '{sources}', '--', '{args}'], values)).toEqual(['gcc', 'a.c', 'b.c', '--', '$(id)', 'a b']);
    expect(expandCommand(['gcc', '{compilerOptions}', '{sources}'], values)).toEqual(['gcc', '-std=c99', '-D X=1', 'a.c', 'b.c']);
    expect(takesCompilerOptions(['gcc', '{compilerOptions}'])).toBe(true);
    expect(takesCompilerOptions(['gcc', '-O2'])).toBe(false);
    expect(takesCompilerOptions(undefined)).toBe(false);
  });

  it('says whether a run step takes arguments', () => {
    expect(takesArgs(['./main', '{args}'])).toBe(true);
    expect(takesArgs(['./main'])).toBe(false);
  });

  it('substitutes scalars inside arguments', () => {
    expect(expandCommand(['java', '-Xmx{heapMb}m', '{stem}'], values)).toEqual(['java', '-Xmx192m', 'Main']);
  });

  it('expands an empty list to nothing', () => {
    expect(expandCommand(['./main', '{args}'], { ...values, args: [] })).toEqual(['./main']);
  });

  it('reports no unknown placeholders for a valid template', () => {
    expect(unknownPlaceholders(['java', '-Xmx{heapMb}m', '{stem}', '{args}'])).toEqual([]);
  });
});
