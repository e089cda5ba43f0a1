import { execFileSync } from 'node:child_process';
import { Harness, startKiln } from '../support/kiln-harness';
import { SANDBOX_MODES, modeEnv } from '../support/sandbox-modes';

/** Every process on the host whose command line mentions `marker`. */
function hostProcesses(marker: string): string[] {
  return execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
    .split('\n')
    .filter((args) => args.includes(marker) && !args.includes('ps -eo'));
}

/** Issue 4: nothing a program starts outlives its task, in either sandbox mode. */
describe.each(SANDBOX_MODES)('leftover processes (sandbox mode %s)', (mode) => {
  let kiln: Harness;

  beforeAll(async () => {
    kiln = await startKiln({ env: { ...modeEnv(mode), KILN_SANDBOX__POOL__WARM: 'bash,python' } });
  });

  afterAll(async () => {
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
    expect(hostProcesses('sleep 730')).toEqual([]);
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
    expect(hostProcesses('sleep 7304')).toEqual([]);
  });
});
