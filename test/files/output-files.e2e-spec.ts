import { useKiln } from '../support/kiln-suite';
import { SANDBOX_MODES, modeEnv } from '../support/sandbox-modes';

interface ReturnedFile {
  name: string;
  size: number;
  encoding: string;
  content: string;
}

/**
 * Output files (`outputFiles`) from real sandboxes: what a program leaves in
 * its workspace comes back byte for byte, a symlink or a fifo never does
 * (the agent collects regular files only, without following a link), and
 * what does not fit the output budget stays behind, flagged, with the
 * program's own verdict. What the API refuses and how files map onto runs
 * and tests is output-files.component-spec.ts's.
 */
describe.each(SANDBOX_MODES)('output files (sandbox mode %s)', (mode) => {
  const suite = useKiln({ env: modeEnv(mode) });

  const execute = async (body: object) => {
    const answer = await suite.execute(body);
    expect(answer.status).toBe(200);
    return answer.body;
  };
  const byName = (files: ReturnedFile[]) => Object.fromEntries(files.map((file) => [file.name, Buffer.from(file.content, 'base64')]));

  it('a Python program writes files: the matching ones come back byte for byte', async () => {
    const code = [
      'import os',
      'os.makedirs("out/deep", exist_ok=True)',
      'open("out/deep/table.csv", "w").write("a,b\\n1,2\\n")',
      'open("bytes.bin", "wb").write(bytes(range(256)))',
      'open("ignored.log", "w").write("not asked for")',
      'print("wrote")',
    ].join('\n');
    const job = await execute({ language: 'python', code, outputFiles: ['*.bin', 'out/**'] });
    expect(job).toMatchObject({ state: 'COMPLETED', verdict: 'OK', run: { stdout: 'wrote\n' } });
    expect(job.run.files.map((file: ReturnedFile) => [file.name, file.size, file.encoding])).toEqual([
      ['bytes.bin', 256, 'base64'],
      ['out/deep/table.csv', 8, 'base64'],
    ]);
    const files = byName(job.run.files);
    expect(files['bytes.bin']).toEqual(Buffer.from(Array.from({ length: 256 }, (_, i) => i)));
    expect(files['out/deep/table.csv'].toString()).toBe('a,b\n1,2\n');
    expect(job.run.filesTruncated).toBeUndefined();
  });

  it('a C program leaves a symlink to /etc/passwd, a link to / and a fifo: none is followed or returned', async () => {
    const code = [
      '#include <stdio.h>',
      '#include <unistd.h>',
      '#include <sys/stat.h>',
      'int main(void) {',
      '  FILE *f = fopen("result.txt", "w"); fputs("mine\\n", f); fclose(f);',
      '  if (symlink("/etc/passwd", "passwd.txt") != 0) return 2;',
      '  if (symlink("/", "root") != 0) return 3;',
      '  if (mkfifo("pipe.txt", 0644) != 0) return 4;',
      '  puts("left them");',
      '  return 0;',
      '}',
    ].join('\n');
    const job = await execute({ language: 'c', code, outputFiles: ['*', 'root/**'] });
    expect(job).toMatchObject({ state: 'COMPLETED', verdict: 'OK', run: { stdout: 'left them\n' } });
    const names = job.run.files.map((file: ReturnedFile) => file.name);
    // The compiled program and the source are regular files of the workspace too.
    expect(names).toEqual(expect.arrayContaining(['result.txt', 'main.c']));
    expect(names.filter((name: string) => /passwd|pipe|^root/.test(name))).toEqual([]);
    expect(JSON.stringify(job)).not.toContain(Buffer.from('root:x:0:0').toString('base64').slice(0, 12));
    expect(byName(job.run.files)['result.txt'].toString()).toBe('mine\n');
  });

  it('a program that writes its file and then runs out of time still returns it', async () => {
    const code = 'open("partial.txt", "w").write("before the end")\nimport time\ntime.sleep(30)';
    const job = await execute({ language: 'python', code, outputFiles: ['partial.txt'], limits: { timeoutMs: 1000 } });
    expect(job).toMatchObject({ state: 'COMPLETED', verdict: 'TIMEOUT' });
    expect(byName(job.run.files)['partial.txt'].toString()).toBe('before the end');
  });

  it('a file larger than the run share of the output budget stays behind, flagged; the job is the program verdict', async () => {
    const code = 'open("big.bin", "wb").write(b"x" * 2_000_000)\nopen("small.txt", "w").write("fits")\nprint("done")';
    const job = await execute({ language: 'python', code, outputFiles: ['*.bin', '*.txt'] });
    expect(job).toMatchObject({ state: 'COMPLETED', verdict: 'OK', run: { stdout: 'done\n', truncated: false } });
    expect(job.run.files.map((file: ReturnedFile) => file.name)).toEqual(['small.txt']);
    expect(job.run.filesTruncated).toBe(true);
    // The whole answer stays within the default budget (1 MiB) plus its fixed fields.
    expect(JSON.stringify(job).length).toBeLessThan(1024 * 1024);
  });
});
