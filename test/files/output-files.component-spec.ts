import { useKiln } from '../support/kiln-suite';
import { script, scriptedRuntime } from '../support/scripted-programs';

/**
 * Output files (`outputFiles`): what the API refuses, and how the files a
 * program leaves come back on its run and on each test, within the job's
 * output budget, on a worker with scripted sandboxes. What the real agent
 * collects (symlinks never followed, a real plot) is
 * output-files.e2e-spec.ts's.
 */
describe('output files', () => {
  const suite = useKiln({ runtime: scriptedRuntime() });
  const execute = (body: object) => suite.execute({ language: 'python', ...body });
  const decoded = (files: { name: string; content: string }[]) => files.map((file) => [file.name, Buffer.from(file.content, 'base64').toString()]);

  describe('refused patterns: 400 naming the field', () => {
    it.each([
      [['/etc/passwd'], 'outputFiles[0]', 'relative'],
      [['*.png', '../x'], 'outputFiles[1]', '".."'],
      [['a//b'], 'outputFiles[0]', 'empty segment'],
      [[''], 'outputFiles[0]', 'empty'],
      [['x'.repeat(256)], 'outputFiles[0]', '255 bytes'],
      [['a\u0000'], 'outputFiles[0]', 'control'],
      [Array.from({ length: 17 }, (_, i) => `f${i}`), 'outputFiles', 'at most 16 patterns'],
    ])('%j', async (outputFiles, field, message) => {
      const answer = await execute({ code: 'out 1', outputFiles });
      expect(answer.status).toBe(400);
      expect(answer.body.details).toEqual(expect.arrayContaining([{ field, message: expect.stringContaining(message) }]));
    });

    it.each([['*.png'], [[1]], [{ a: 1 }]])('a non-list or a non-string: %j', async (outputFiles) => {
      const answer = await execute({ code: 'out 1', outputFiles });
      expect(answer.status).toBe(400);
      expect(answer.body.details.map((d: { field: string }) => d.field)).toContain('outputFiles');
    });
  });

  it('returns the matching files the program left, by name, in base64, and nothing else', async () => {
    const code = script('write plot.png PNG', 'write out/a.txt A', 'write out/deep/b.txt B', 'write notes.md no', 'out done');
    const answer = await execute({ code, outputFiles: ['*.png', 'out/**'] });
    expect(answer.status).toBe(200);
    expect(answer.body.verdict).toBe('OK');
    expect(answer.body.run.stdout).toBe('done\n');
    expect(answer.body.run.files.map((f: object) => Object.keys(f))).toEqual(Array(3).fill(['name', 'size', 'encoding', 'content']));
    expect(decoded(answer.body.run.files)).toEqual([
      ['out/a.txt', 'A\n'],
      ['out/deep/b.txt', 'B\n'],
      ['plot.png', 'PNG\n'],
    ]);
    expect(answer.body.run.files[2]).toMatchObject({ size: 4, encoding: 'base64' });
    expect(answer.body.run.filesTruncated).toBeUndefined();
    // The same job read later answers the same files.
    const read = await suite.kiln.http().get(`/jobs/${answer.body.id}`);
    expect(read.body.run.files).toEqual(answer.body.run.files);
  });

  it('a job without outputFiles has no files field; one whose patterns match nothing has an empty list', async () => {
    const without = await execute({ code: script('write plot.png x') });
    expect(without.body.run).not.toHaveProperty('files');
    const none = await execute({ code: script('write plot.png x'), outputFiles: ['*.jpg'] });
    expect(none.body.run.files).toEqual([]);
    expect(none.body.run).not.toHaveProperty('filesTruncated');
  });

  it('a program that fails after writing its file still returns it, with its own verdict', async () => {
    const answer = await execute({ code: script('write result.txt partial', 'exit 3'), outputFiles: ['*.txt'] });
    expect(answer.body).toMatchObject({ state: 'COMPLETED', verdict: 'RUNTIME_ERROR' });
    expect(decoded(answer.body.run.files)).toEqual([['result.txt', 'partial\n']]);
  });

  it('files past the run share of the budget stay behind, flagged; the job is the program verdict, never a failure', async () => {
    const code = script('fill big.bin 40000', 'fill small.bin 10', 'out ok');
    const answer = await execute({ code, outputFiles: ['*.bin'], limits: { jobOutputBytes: 32768 } });
    expect(answer.body).toMatchObject({ state: 'COMPLETED', verdict: 'OK' });
    expect(answer.body.run.files.map((f: { name: string }) => f.name)).toEqual(['small.bin']);
    expect(answer.body.run.filesTruncated).toBe(true);
    expect(JSON.stringify(answer.body).length).toBeLessThan(32768 + 2000);
  });

  it('at most jobs.outputFiles.maxFiles files a run', async () => {
    const code = script(...Array.from({ length: 40 }, (_, i) => `write f${String(i).padStart(2, '0')}.txt ${i}`));
    const answer = await execute({ code, outputFiles: ['*.txt'] });
    expect(answer.body.run.files).toHaveLength(32);
    expect(answer.body.run.files[0].name).toBe('f00.txt');
    expect(answer.body.run.filesTruncated).toBe(true);
  });

  it('each test returns its files, from its own run', async () => {
    const code = script('echo', 'write seen.txt test');
    const answer = await execute({ code, outputFiles: ['seen.txt'], tests: [{ stdin: 'a' }, { stdin: 'b' }] });
    expect(answer.body.verdict).toBe('OK');
    expect(answer.body.tests.map((test: { files: { name: string }[] }) => test.files.map((f) => f.name))).toEqual([['seen.txt'], ['seen.txt']]);
  });

  it('a compiled program returns its files too, and the compile stage has none', async () => {
    const answer = await suite.execute({ language: 'c', code: script('write out.csv 1,2', 'out ran'), outputFiles: ['*.csv'] });
    expect(answer.body.verdict).toBe('OK');
    expect(answer.body.compile).not.toHaveProperty('files');
    expect(decoded(answer.body.run.files)).toEqual([['out.csv', '1,2\n']]);
  });
});
