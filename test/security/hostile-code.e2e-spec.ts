import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { statfsSync } from 'node:fs';
import Docker from 'dockerode';
import { asGvisorSecurityOpt } from '../../apps/worker/src/sandbox/docker/gvisor-spec';
import { AttackHost, prepareAttackHost } from '../support/attack-host';
import { Harness, startKiln } from '../support/kiln-harness';
import { SANDBOX_TIERS, tierEnv } from '../support/tiers';
import { eventually } from '../support/waiting';
import { committedProfile, execAsSandboxUser, seccompProfileOf, withRunningSandbox } from '../support/sandbox-seccomp';
import {
  Attack,
  AttackContext,
  HOSTILE_CODE,
  IO_URING_PROBE,
  JobAnswer,
  checkIoUringRefused,
  daemon,
  forkBombC,
  forkBombShell,
  tmpFill,
  workspaceFill,
} from './attacks';

/**
 * Issue 3: every attack of the catalogue fails, the host is unaffected, and
 * Kiln keeps serving. Runs in every tier (test/support/tiers.ts lists what a
 * tier shows differently by design).
 */
describe.each(SANDBOX_TIERS.map((tier) => [tier.name, tier] as const))('hostile code (tier %s)', (_name, tier) => {
  const mode = tier.mode;
  let kiln: Harness;
  let host: AttackHost;
  let context: AttackContext;
  let dockerRoot: string;

  beforeAll(async () => {
    host = await prepareAttackHost('hostile');
    context = host.context;
    kiln = await startKiln({ env: { ...tierEnv(tier), KILN_WORKER__CONCURRENCY: '2' } });
    dockerRoot = (await new Docker().info()).DockerRootDir;
  });

  afterAll(async () => {
    await kiln?.close();
    await host?.close();
  });

  const run = async (attack: Attack): Promise<JobAnswer> => {
    const response = await kiln.http().post('/execute').send(attack.request(context));
    expect(response.status).toBe(200);
    return response.body;
  };

  /** Kiln still answers a hello world in normal time. */
  const expectStillServing = async () => {
    const started = Date.now();
    const answer = await kiln.http().post('/execute').send({ language: 'python', code: 'print("still here")' });
    expect(answer.body.run?.stdout).toBe('still here\n');
    expect(Date.now() - started).toBeLessThan(5000);
  };

  it.each(HOSTILE_CODE.filter((attack) => !(attack.name in tier.differs)).map((attack) => [attack.name, attack]))('%s: fails', async (_name, attack) => {
    const answer = await run(attack as Attack);
    (attack as Attack).check(answer, context);
  });

  it('the sandbox runs under Kiln’s own seccomp profile for the mode, and the engine enforces it (docker inspect, docker exec)', async () => {
    await withRunningSandbox(kiln, async (sandbox) => {
      // Not the engine's built-in profile: the one committed in the repository, rule for rule
      // (under runsc with its ENOSYS rules allowed, which gVisor's kernel answers itself: gvisor-spec.ts).
      const committed = committedProfile(mode === 'nested' ? 'nested-outer.json' : 'container.json');
      const expected = tier.runtime === 'runsc' ? JSON.parse(asGvisorSecurityOpt(`seccomp=${JSON.stringify(committed)}`).slice('seccomp='.length)) : committed;
      expect(await seccompProfileOf(sandbox)).toEqual(expected);
      // A process of the container's own (in nested mode: outside any nested sandbox, under the outer profile alone).
      // runsc filters the container's own process tree (the agent's programs: the io_uring attack above), not
      // what `docker exec` adds, so under gVisor this leg is the attack's alone.
      if (tier.runtime === 'runsc') return;
      const { stdout, stderr } = await execAsSandboxUser(sandbox, ['python3', '-c', IO_URING_PROBE]);
      checkIoUringRefused(stdout, stderr);
    });
  });

  it('after the fork bombs, a hello world still answers in normal time', async () => {
    await Promise.all([run(forkBombShell), run(forkBombC)]);
    await expectStillServing();
  });

  it('after the disk fills, the host’s free space is unchanged', async () => {
    const before = freeBytes(dockerRoot);
    await run(workspaceFill);
    await run(tmpFill);
    expect(Math.abs(freeBytes(dockerRoot) - before)).toBeLessThan(16 * 1024 * 1024);
    await expectStillServing();
  });

  it('after a daemonizing program, nothing of it runs on the host', async () => {
    const answer = await run(daemon);
    daemon.check(answer, context);
    // Its sandbox is killed as the task ends, and the daemon with it; one that escaped would stay.
    await eventually(async () => hostProcessesMatching('sleep 31337'), (list) => list.length === 0, 5000, 'no process of the daemon on the host');
  });

  it('a file named to escape the workspace is refused at the API', async () => {
    for (const name of ['../escape.py', '/etc/cron.d/x', 'a/../../b']) {
      const response = await kiln.http().post('/execute').send({ language: 'python', files: [{ name, content: 'print(1)' }] });
      expect(response.status).toBe(400);
      expect(response.body.details[0].field).toBe('files[0].name');
    }
  });

  it('huge argv and stdin: above the limits → 400; at the limits → runs', async () => {
    const tooMany = await kiln.http().post('/execute').send({ language: 'bash', code: 'echo $#', args: Array(65).fill('x') });
    expect(tooMany.status).toBe(400);
    const tooLong = await kiln.http().post('/execute').send({ language: 'bash', code: 'echo $#', args: ['x'.repeat(4097)] });
    expect(tooLong.status).toBe(400);
    const atLimits = await kiln
      .http()
      .post('/execute')
      .send({ language: 'bash', code: 'echo "args=$# stdin=$(wc -c)"', args: Array(64).fill('y'.repeat(4096)), stdin: 'z'.repeat(512 * 1024) });
    expect(atLimits.body.run.stdout).toBe(`args=64 stdin=${512 * 1024}\n`);
  });

  it('two concurrent jobs cannot see each other’s files or processes', async () => {
    const secret = `secret-${randomBytes(6).toString('hex')}`;
    const holder = await kiln.http().post('/jobs').send({
      language: 'bash',
      code: `echo ${secret} > /workspace/${secret}; echo ${secret} > /tmp/${secret}; echo ${secret} > /dev/shm/${secret}; exec -a ${secret} sleep 8`,
      limits: { timeoutMs: 15000 },
    });
    expect(holder.status).toBe(202);
    const stateOfHolder = async () => (await kiln.http().get(`/jobs/${holder.body.id}`)).body.state as string;
    await eventually(stateOfHolder, (state) => state === 'RUNNING', 15_000);
    expect(await stateOfHolder()).toBe('RUNNING');
    // The secret reaches the snooper on stdin, so its own files never contain it.
    const snoop = await kiln.http().post('/execute').send({
      language: 'bash',
      code: 'read s; ls -a /workspace /tmp /dev/shm; for p in /proc/[0-9]*; do tr "\\0" " " < $p/cmdline; echo; done; grep -rs "$s" /workspace /tmp /dev/shm; echo done',
      stdin: secret,
    });
    expect(snoop.body.run.stdout).toContain('done');
    expect(snoop.body.run.stdout).not.toContain(secret);
    // The two really overlapped: the holder was still running when the snooper ended.
    expect(await stateOfHolder()).toBe('RUNNING');
    await eventually(stateOfHolder, (state) => state === 'COMPLETED', 20_000);
    expect((await kiln.http().get(`/jobs/${holder.body.id}`)).body.verdict).toBe('OK');
  });
});

function freeBytes(path: string): number {
  const stats = statfsSync(path);
  return stats.bavail * stats.bsize;
}

function hostProcessesMatching(pattern: string): string[] {
  const result = spawnSync('pgrep', ['-af', pattern], { encoding: 'utf8' });
  return result.stdout.split('\n').filter((line) => line && !line.includes('pgrep'));
}
