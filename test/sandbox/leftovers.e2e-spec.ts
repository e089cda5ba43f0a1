import { execFileSync } from 'node:child_process';
import { DockerEventLog } from '../support/docker-events';
import { Harness, startKiln } from '../support/kiln-harness';
import { SANDBOX_TIERS, SandboxTier, tierEnv } from '../support/tiers';
import { eventually } from '../support/waiting';

/** Every process on the host whose command line mentions `marker`. */
function hostProcesses(marker: string): string[] {
  return execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
    .split('\n')
    .filter((args) => args.includes(marker) && !args.includes('ps -eo'));
}

/**
 * Where the program's processes would be left: on the host's process table
 * under runc (both modes: the agent kills and reaps everything before it
 * answers); under gVisor they live inside gVisor's kernel, which the host
 * sees as gVisor's own processes only, so there the task's container itself
 * must be gone (the container tier never reuses one), and with it every
 * process of the program: the engine's own events say which container
 * served the job and that it was destroyed.
 */
async function expectNothingLeft(tier: SandboxTier, events: DockerEventLog, jobId: string, marker: string): Promise<void> {
  expect(hostProcesses(marker)).toEqual([]);
  if (tier.mode !== 'container') return;
  const served = await eventually(async () => events.containersOf(jobId), (ids) => ids.length > 0, 10_000, () => `the engine to name a container after job ${jobId}`);
  await eventually(
    async () => served.filter((id) => !events.destroyed(id)),
    (left) => left.length === 0,
    20_000,
    () => `the container(s) of job ${jobId} to be destroyed`,
  );
}

/** Issue 4: nothing a program starts outlives its task, in every tier (issue 15). */
describe.each(SANDBOX_TIERS.map((tier) => [tier.name, tier] as const))('leftover processes (tier %s)', (_name, tier) => {
  let kiln: Harness;
  let events: DockerEventLog;

  beforeAll(async () => {
    kiln = await startKiln({ env: { ...tierEnv(tier), KILN_SANDBOX__POOL__WARM: 'bash,python' } });
    events = await DockerEventLog.start(kiln.prefix);
  });

  afterAll(async () => {
    events?.stop();
    await kiln?.close();
  });

  it('a program that forks background sleepers and exits leaves nothing running once the task is answered', async () => {
    const code = [
      '(sleep 7301 &)',
      'setsid sleep 7302 </dev/null >/dev/null 2>&1 &',
      'nohup sh -c "sleep 7303" >/dev/null 2>&1 &',
      'sleep 0.2',
      'for p in /proc/[0-9]*; do tr "\\0" " " < $p/cmdline 2>/dev/null; echo; done | grep -c "^sleep 730[123] $"',
    ].join('\n');
    const answer = await kiln.http().post('/execute').send({ language: 'bash', code });
    expect(answer.body).toMatchObject({ verdict: 'OK' });
    // The sleepers did run while the task was alive...
    expect(Number(answer.body.run.stdout.trim())).toBeGreaterThanOrEqual(3);
    // ...and none is left now, checked at once: the agent kills and reaps everything before it answers.
    await expectNothingLeft(tier, events, answer.body.id, 'sleep 730');
  });

  it('a python program that double-forks a daemon leaves nothing either', async () => {
    const code = [
      'import os, time',
      'if os.fork() == 0:',
      '    os.setsid()',
      '    if os.fork() == 0:',
      '        os.execvp("sleep", ["sleep", "7304"])',
      '    os._exit(0)',
      'time.sleep(0.2)',
      'print("parent exits")',
    ].join('\n');
    const answer = await kiln.http().post('/execute').send({ language: 'python', code });
    expect(answer.body).toMatchObject({ verdict: 'OK', run: { stdout: 'parent exits\n' } });
    await expectNothingLeft(tier, events, answer.body.id, 'sleep 7304');
  });
});
