import { randomBytes } from 'node:crypto';
import { WorkerMetrics } from '../../apps/worker/src/metrics/worker-metrics';
import { Harness, startKiln } from '../support/kiln-harness';
import { SANDBOX_TIERS, tierEnv } from '../support/tiers';

interface Skipped {
  entries: { path: string; reason: string }[];
  truncated: boolean;
}

/** A marker no earlier compilation had, so the compile cache cannot answer and the compiler really runs. */
const fresh = () => randomBytes(8).toString('hex');

/**
 * A C program whose compile step leaves `script`'s doing in the workspace: gcc
 * runs each of its tools under `-wrapper` (sh -c script tool args...), so the
 * script runs (more than once) in the compile sandbox, as the compiler.
 */
const cLeaving = (script: string, main = 'puts("ran");') => ({
  language: 'c',
  code: `#include <stdio.h>\n#include <unistd.h>\n#include <dirent.h>\n/* ${fresh()} */\nint main(void){ ${main} return 0; }\n`,
  compilerOptions: ['-wrapper', `sh,-c,${script}; exec "$0" "$@"`],
});

/** A Java class in a package of `depth` components `p<i>` of `width` characters each. */
const javaPackage = (depth: number, width: number) =>
  Array.from({ length: depth }, (_, i) => `p${String(i).padStart(width - 1, '0')}`).join('.');

/** The shortest leading part of a path longer than 255 bytes: what Kiln skips (with everything below it). */
const firstTooLong = (path: string) => {
  const parts = path.split('/');
  const length = parts.findIndex((_, i) => Buffer.byteLength(parts.slice(0, i + 1).join('/')) > 255);
  return parts.slice(0, length + 1).join('/');
};

/**
 * Issue 12, acceptance 5: whatever paths a program leaves in its compile
 * workspace, the job ends COMPLETED with the program's own verdict after
 * exactly one compile; what cannot travel to the run is named in
 * `compile.skipped`, the rest is collected and the run gets it; in every
 * tier (issue 15: under gVisor the agent walks gVisor's filesystem).
 */
describe.each(SANDBOX_TIERS.map((tier) => [tier.name, tier] as const))('paths a program leaves in its workspace (tier %s)', (_name, tier) => {
  let kiln: Harness;

  beforeAll(async () => {
    kiln = await startKiln({ env: tierEnv(tier) });
  });

  afterAll(async () => {
    await kiln?.close();
  });

  /** Compile tasks by outcome and compiler executions so far (the worker's own metrics). */
  const compileCounts = async () => {
    const registry = kiln.worker!.get(WorkerMetrics).registry;
    const tasks = (await registry.getSingleMetric('kiln_tasks_total')!.get()).values.filter((v) => v.labels.kind === 'compile');
    const histogram = (await registry.getSingleMetric('kiln_execution_duration_seconds')!.get()).values as { value: number; labels: Record<string, unknown>; metricName?: string }[];
    const executions = histogram.filter((v) => v.labels.step === 'compile' && v.metricName === 'kiln_execution_duration_seconds_count');
    const sum = (values: { value: number }[]) => values.reduce((n, v) => n + v.value, 0);
    return {
      tasks: sum(tasks),
      notCompleted: sum(tasks.filter((v) => v.labels.outcome !== 'completed')),
      executions: sum(executions),
    };
  };

  /** POSTs /execute and checks the job is the program's: COMPLETED, after one compile task that ran the compiler once. */
  const executeOnce = async (body: object) => {
    const before = await compileCounts();
    const response = await kiln.http().post('/execute').send(body);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ state: 'COMPLETED' });
    expect(response.body.compile.cached).toBeUndefined();
    const after = await compileCounts();
    expect({ tasks: after.tasks - before.tasks, notCompleted: after.notCompleted - before.notCompleted, executions: after.executions - before.executions }).toEqual({
      tasks: 1,
      notCompleted: 0,
      executions: 1,
    });
    return response.body;
  };

  const skippedOf = (answer: { compile: { skipped?: Skipped } }): Skipped => {
    expect(answer.compile.skipped).toBeDefined();
    return answer.compile.skipped!;
  };

  it('a Java package of 300 characters: the class is skipped (path_too_long) and java says it finds no main class', async () => {
    const pkg = javaPackage(30, 9);
    expect(pkg.length).toBeGreaterThan(255);
    const answer = await executeOnce({
      language: 'java',
      code: `package ${pkg};\n// ${fresh()}\npublic class Main { public static void main(String[] a) { System.out.println("hi"); } }`,
    });
    expect(answer).toMatchObject({ verdict: 'RUNTIME_ERROR', compile: { verdict: 'OK' }, run: { verdict: 'RUNTIME_ERROR' } });
    expect(answer.run.stderr).toContain('Could not find or load main class Main');
    expect(skippedOf(answer)).toEqual({ entries: [{ path: firstTooLong(`${pkg.split('.').join('/')}/Main.class`), reason: 'path_too_long' }], truncated: false });
  });

  it('a package name of one 300-character component: javac cannot create its directory, the program’s compile error', async () => {
    const answer = await executeOnce({
      language: 'java',
      code: `package ${'p'.repeat(300)};\n// ${fresh()}\npublic class Main { public static void main(String[] a) { } }`,
    });
    expect(answer).toMatchObject({ verdict: 'COMPILE_ERROR', compile: { verdict: 'COMPILE_ERROR' }, run: null });
    expect(answer.compile.stderr).toContain('could not create parent directories');
  });

  it('a long package next to the main class: the rest of the program travels and runs', async () => {
    const pkg = javaPackage(30, 9);
    const answer = await executeOnce({
      language: 'java',
      files: [
        { name: 'Main.java', content: `// ${fresh()}\npublic class Main { public static void main(String[] a) { System.out.println("main ran"); } }` },
        { name: 'Far.java', content: `package ${pkg};\npublic class Far {}` },
      ],
    });
    expect(answer).toMatchObject({ verdict: 'OK', compile: { verdict: 'OK' }, run: { stdout: 'main ran\n' } });
    expect(skippedOf(answer).entries).toEqual([{ path: firstTooLong(`${pkg.split('.').join('/')}/Far.class`), reason: 'path_too_long' }]);
  });

  it('a Java package 40 levels deep: the directory past 32 levels is skipped (too_deep), the main class runs', async () => {
    const pkg = javaPackage(40, 1);
    const answer = await executeOnce({
      language: 'java',
      files: [
        { name: 'Main.java', content: `// ${fresh()}\npublic class Main { public static void main(String[] a) { System.out.println("shallow"); } }` },
        { name: 'Deep.java', content: `package ${pkg};\npublic class Deep {}` },
      ],
    });
    expect(answer).toMatchObject({ verdict: 'OK', run: { stdout: 'shallow\n' } });
    const dirs = pkg.split('.');
    expect(skippedOf(answer).entries).toEqual([{ path: dirs.slice(0, 33).join('/'), reason: 'too_deep' }]);
  });

  it('deep directories made by the compile step: skipped below 32 levels, the files above travel', async () => {
    const answer = await executeOnce(
      cLeaving('mkdir -p $(seq -f d%g -s / 50) && echo x > $(seq -f d%g -s / 32)/kept', 'printf("%d %d\\n", access("d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/d11/d12/d13/d14/d15/d16/d17/d18/d19/d20/d21/d22/d23/d24/d25/d26/d27/d28/d29/d30/d31/d32/kept", R_OK), access("d1/d2", F_OK));'),
    );
    expect(answer).toMatchObject({ verdict: 'OK', run: { stdout: '0 0\n' } });
    const deep = Array.from({ length: 33 }, (_, i) => `d${i + 1}`).join('/');
    expect(skippedOf(answer).entries).toEqual([{ path: deep, reason: 'too_deep' }]);
  });

  it('names that are not UTF-8: skipped (not_utf8, with a directory’s contents), the compiled program still runs', async () => {
    const answer = await executeOnce(cLeaving(`touch "$(printf 'bad\\377name')" && mkdir -p "$(printf 'dir\\376')" && touch "$(printf 'dir\\376/inner')"`));
    expect(answer).toMatchObject({ verdict: 'OK', run: { stdout: 'ran\n' } });
    expect(skippedOf(answer).entries).toEqual(
      expect.arrayContaining([
        { path: 'bad\\xffname', reason: 'not_utf8' },
        { path: 'dir\\xfe', reason: 'not_utf8' },
      ]),
    );
    expect(skippedOf(answer).entries).toHaveLength(2);
  });

  it('a symlink to /etc/passwd and a FIFO: skipped, never followed or opened; the run has neither', async () => {
    const answer = await executeOnce(
      cLeaving('ln -sf /etc/passwd passwd; mkfifo fifo 2>/dev/null', 'printf("%d %d\\n", access("passwd", F_OK), access("fifo", F_OK));'),
    );
    expect(answer).toMatchObject({ verdict: 'OK', run: { stdout: '-1 -1\n' } });
    expect(skippedOf(answer).entries).toEqual(
      expect.arrayContaining([
        { path: 'passwd', reason: 'symlink' },
        { path: 'fifo', reason: 'fifo' },
      ]),
    );
  });

  it('names the job-file validator refuses are files like any other: collected, and the run gets them', async () => {
    const list = 'DIR *d = opendir("."); struct dirent *e; while ((e = readdir(d))) if (e->d_name[0] == \'-\' || e->d_name[0] == \' \') printf("[%s]\\n", e->d_name);';
    const answer = await executeOnce(cLeaving(`echo a > ./-rf; echo b > ' lead'; echo c > "$(printf ' new\\nline')"`, list));
    expect(answer).toMatchObject({ verdict: 'OK' });
    expect(answer.run.stdout.split('\n').filter(Boolean).sort()).toEqual(['[ lead]', '[ new', 'line]', '[-rf]'].sort());
    expect(answer.compile.skipped).toBeUndefined();
  });

  it('an unreadable file and an empty directory: skipped, each with its reason', async () => {
    const answer = await executeOnce(cLeaving('echo secret > locked; chmod 000 locked; mkdir -p empty'));
    expect(answer).toMatchObject({ verdict: 'OK', run: { stdout: 'ran\n' } });
    expect(skippedOf(answer).entries).toEqual(
      expect.arrayContaining([
        { path: 'locked', reason: 'unreadable' },
        { path: 'empty', reason: 'empty_directory' },
      ]),
    );
  });

  it('thousands of symlinks and a deep directory: the listing is cut (truncated), the deep part still goes', async () => {
    const answer = await executeOnce(cLeaving('mkdir -p links $(seq -f d%g -s / 40) && seq -f /nowhere/l%g 6000 | xargs ln -sf -t links'));
    expect(answer).toMatchObject({ verdict: 'OK', run: { stdout: 'ran\n' } });
    expect(skippedOf(answer).truncated).toBe(true);
    expect(skippedOf(answer).entries.length).toBeLessThanOrEqual(50);
  });

  it('more than 10000 files: the compiled program cannot be kept, a compile error that says why', async () => {
    const answer = await executeOnce(cLeaving('mkdir -p many && (cd many && seq -f f%g 10001 | xargs touch)'));
    expect(answer).toMatchObject({ verdict: 'COMPILE_ERROR', compile: { verdict: 'COMPILE_ERROR' }, run: null });
    expect(answer.compile.stderr).toContain('kiln: the compiled program cannot be kept: it has more than 10000 files (too_many_files)');
  });

  it('more than 100000 entries of any kind: the compiled program cannot be kept, a compile error that says why', async () => {
    // 100001 symlinks take gVisor about 13 s on 2 cores, close to the 15 s default compile
    // limit (a CI run went over it): this compile gets the most a request may ask for.
    const body = { ...cLeaving('[ -d l ] || { mkdir l && seq -f /nowhere/%g 100001 | xargs ln -s -t l; }'), limits: { compileTimeoutMs: 60_000 } };
    const answer = await executeOnce(body);
    expect(answer).toMatchObject({ verdict: 'COMPILE_ERROR', compile: { verdict: 'COMPILE_ERROR' }, run: null });
    expect(answer.compile.stderr).toContain('kiln: the compiled program cannot be kept: it has more than 100000 files, directories and other entries (too_many_entries)');
  });

  it('the compile cache answers a compile with skipped paths with the same note', async () => {
    const body = cLeaving('ln -sf /etc/passwd passwd');
    const first = await executeOnce(body);
    const second = await kiln.http().post('/execute').send(body);
    expect(second.body).toMatchObject({ state: 'COMPLETED', verdict: 'OK', compile: { cached: true, skipped: first.compile.skipped } });
  });
});
