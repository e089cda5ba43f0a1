import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { parse, stringify } from 'yaml';
import { REPO_ROOT } from '../support/kiln-harness';
import { SplitCluster, startSplitCluster } from '../support/split-cluster';
import { testPrefix } from '../support/test-run';

type Tier = { mode: string; runtime: string; setting: string; reason: string };
type NodeView = { id: string; role: string; status: string; queues: string[]; sandbox?: Tier };
type QueueView = { name: string; kind: string; workers: number; tiers?: (Tier & { workers: number })[] };

/** The shipped language table with bash's jobs sent to `untrusted` when a request names no queue (languages.yaml `queue`). */
function languagesWithBashUntrusted(): { file: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-languages-'));
  const file = join(dir, 'languages.yaml');
  const table = parse(readFileSync(process.env.KILN_LANGUAGES ?? join(REPO_ROOT, 'config', 'languages.yaml'), 'utf8')) as { languages: { id: string; queue?: string }[] };
  table.languages.find((language) => language.id === 'bash')!.queue = 'untrusted';
  writeFileSync(file, stringify(table));
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

const READ_KERNEL = 'print(open("/proc/version").read().strip())';

/**
 * Issue 15 acceptance 3: tiers per queue. One coordinator and two worker
 * processes on one Redis: `default` served in the default tier (runc), and
 * `untrusted` served by a worker under gVisor (sandbox.runtime runsc). What
 * the program sees of its kernel says where it ran; /nodes and /queues say so too.
 */
describe('a split cluster: queue default in the default tier, queue untrusted under gVisor', () => {
  const prefix = testPrefix('tiers');
  const languages = languagesWithBashUntrusted();
  const hostKernel = readFileSync('/proc/version', 'utf8').trim();
  let cluster: SplitCluster;
  let url: string;

  beforeAll(async () => {
    cluster = await startSplitCluster(prefix, {
      env: { KILN_LANGUAGES: languages.file, KILN_COORDINATOR__QUEUES: 'default,untrusted' },
      workers: [
        { KILN_WORKER__ID: 'default-worker', KILN_WORKER__QUEUES: 'default', KILN_WORKER__CONCURRENCY: '2' },
        { KILN_WORKER__ID: 'gvisor-worker', KILN_WORKER__QUEUES: 'untrusted', KILN_WORKER__CONCURRENCY: '2', KILN_SANDBOX__RUNTIME: 'runsc' },
      ],
    });
    url = cluster.url;
  });

  afterAll(async () => {
    const codes = await cluster.stop();
    languages.remove();
    expect(codes).toEqual([0, 0, 0]);
  });

  const run = async (body: Record<string, unknown>) => {
    const answer = await request(url).post('/execute').send(body);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ state: 'COMPLETED', verdict: 'OK' });
    return { kernel: (answer.body.run.stdout as string).trim(), worker: answer.body.tasks.find((t: { id: string }) => t.id === 'run').workerId as string };
  };

  it('runs a job on queue untrusted under gVisor: the program sees gVisor’s kernel, not the host’s', async () => {
    const ran = await run({ language: 'python', code: READ_KERNEL, queue: 'untrusted' });
    expect(ran).toEqual({ kernel: expect.stringMatching(/^Linux version 4\.4\.0/), worker: 'gvisor-worker' });
    expect(ran.kernel).not.toBe(hostKernel);
  });

  it('runs a job on queue default (named or not) in the default tier: the program sees the host’s kernel', async () => {
    expect(await run({ language: 'python', code: READ_KERNEL, queue: 'default' })).toEqual({ kernel: hostKernel, worker: 'default-worker' });
    expect(await run({ language: 'python', code: READ_KERNEL })).toEqual({ kernel: hostKernel, worker: 'default-worker' });
  });

  it('sends a language’s jobs to the queue its table entry names, unless the request names another', async () => {
    expect(await run({ language: 'bash', code: 'cat /proc/version' })).toEqual({ kernel: expect.stringMatching(/^Linux version 4\.4\.0/), worker: 'gvisor-worker' });
    expect(await run({ language: 'bash', code: 'cat /proc/version', queue: 'default' })).toEqual({ kernel: hostKernel, worker: 'default-worker' });
  });

  it('GET /nodes shows each worker’s tier, and GET /queues the tiers serving each queue', async () => {
    const nodes = (await request(url).get('/nodes')).body as NodeView[];
    const byId = Object.fromEntries(nodes.map((node) => [node.id, node]));
    expect(byId['default-worker']).toMatchObject({ status: 'UP', queues: ['default'], sandbox: { mode: expect.stringMatching(/^(nested|container)$/), runtime: 'runc', setting: 'auto' } });
    expect(byId['gvisor-worker']).toMatchObject({
      status: 'UP',
      queues: ['untrusted'],
      sandbox: { mode: 'container', runtime: 'runsc', setting: 'auto', reason: expect.stringContaining('sandbox.runtime runsc') },
    });
    const queues = (await request(url).get('/queues')).body as QueueView[];
    const byName = Object.fromEntries(queues.map((queue) => [queue.name, queue]));
    expect(byName.default).toMatchObject({ kind: 'tasks', workers: 1, tiers: [{ ...byId['default-worker'].sandbox, workers: 1 }] });
    expect(byName.untrusted).toMatchObject({ kind: 'tasks', workers: 1, tiers: [{ ...byId['gvisor-worker'].sandbox, workers: 1 }] });
  });
});
