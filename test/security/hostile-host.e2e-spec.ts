import { spawnSync } from 'node:child_process';
import { statfsSync } from 'node:fs';
import Docker from 'dockerode';
import { Harness, startKiln } from '../support/kiln-harness';
import { SANDBOX_TIERS, tierEnv } from '../support/tiers';
import { eventually } from '../support/waiting';
import { Attack, AttackContext, JobAnswer, daemon, forkBombC, forkBombShell, tmpFill, workspaceFill } from './attacks';

/**
 * Issue 3: after the catalogue's attacks on the host's resources the host is
 * unaffected and Kiln keeps serving, in every tier. That each attack fails
 * inside its sandbox is hostile-code.e2e-spec.ts's.
 *
 * @system-serial reads the host as a whole (its free disk, every process on it, how fast it still answers), which any
 * suite running beside it would move.
 */
describe.each(SANDBOX_TIERS.map((tier) => [tier.name, tier] as const))('the host after hostile code (tier %s)', (_name, tier) => {
  let kiln: Harness;
  let dockerRoot: string;
  // These attacks read nothing the attack host prepares (test/support/attack-host.ts).
  const context: AttackContext = { host: {} };

  beforeAll(async () => {
    kiln = await startKiln({ env: { ...tierEnv(tier), KILN_WORKER__CONCURRENCY: '2' } });
    dockerRoot = (await new Docker().info()).DockerRootDir;
  });

  afterAll(async () => {
    await kiln?.close();
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
});

function freeBytes(path: string): number {
  const stats = statfsSync(path);
  return stats.bavail * stats.bsize;
}

function hostProcessesMatching(pattern: string): string[] {
  const result = spawnSync('pgrep', ['-af', pattern], { encoding: 'utf8' });
  return result.stdout.split('\n').filter((line) => line && !line.includes('pgrep'));
}
