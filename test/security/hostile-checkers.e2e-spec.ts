import { Harness } from '../support/kiln-harness';
import { SANDBOX_MODES } from '../support/sandbox-modes';
import { containersOfJob } from '../support/sandboxes';
import { eventually } from '../support/waiting';
import { Attack, AttackContext, forkBombC, memoryBomb, verdictForgery } from './attacks';
import { asProgramAnswer, reportingOnStderr, REPORTING, startJudgingStage, JudgingStage } from './judging-attacks';

interface CheckerJob {
  id: string;
  state: string;
  verdict: string;
  error?: string;
  tests: { verdict: string; checkerMessage?: string; checkerError?: string }[];
}

/** The attack's program as a checker: what it reports on stdout goes to stderr, which is the checker's message. */
function asChecker(attack: Attack, context: AttackContext): Record<string, unknown> {
  return { language: 'python', code: 'print(1)', tests: [{ expected: '1' }], checker: reportingOnStderr(attack, context) };
}

/**
 * Issue 17, acceptance 7: a checker runs under the same sandbox rules as the
 * program it judges. Attacks of the hostile catalogue (test/security/attacks.ts)
 * sent as the checker of a job are contained as they are for a program: no
 * network, no host files or sockets, no privileges, its own cgroup limits,
 * and whatever it does ends the job COMPLETED (CHECKER_ERROR at worst),
 * never FAILED, never the program's WRONG_ANSWER. In every sandbox mode, as
 * hostile-code.e2e-spec.ts runs the catalogue against programs.
 */
describe.each(SANDBOX_MODES)('hostile checkers (sandbox mode %s)', (mode) => {
  let stage: JudgingStage;
  let kiln: Harness;
  let context: AttackContext;

  beforeAll(async () => {
    stage = await startJudgingStage('hostile-checkers', mode);
    ({ kiln, context } = stage);
  });

  afterAll(async () => {
    await stage?.close();
  });

  const judgeWith = async (attack: Attack): Promise<CheckerJob> => {
    const response = await kiln.http().post('/execute').send(asChecker(attack, context));
    expect(response.status).toBe(200);
    const job: CheckerJob = response.body;
    expect(job.state).toBe('COMPLETED');
    expect(['OK', 'CHECKER_ERROR']).toContain(job.verdict);
    return job;
  };

  it.each(REPORTING.map((attack) => [attack.name, attack]))('%s, as a checker: fails', async (_name, attack) => {
    const job = await judgeWith(attack as Attack);
    (attack as Attack).check(asProgramAnswer(job, job.tests[0]), context);
  });

  it('a fork bomb as a checker is stopped by its limits (CHECKER_ERROR), and Kiln goes on serving', async () => {
    const job = await judgeWith(forkBombC);
    expect(job.tests[0]).toMatchObject({ verdict: 'CHECKER_ERROR' });
    const started = Date.now();
    const hello = await kiln.http().post('/execute').send({ language: 'python', code: 'print("still here")' });
    expect(hello.body.run?.stdout).toBe('still here\n');
    expect(Date.now() - started).toBeLessThan(5000);
    await eventually(() => containersOfJob(job.id), (left) => left.length === 0, 30_000, 'no sandbox of the fork bomb’s job left');
  });

  it('a memory bomb as a checker runs out of its own memory limit', async () => {
    const job = await judgeWith(memoryBomb);
    expect(job).toMatchObject({ verdict: 'CHECKER_ERROR', tests: [{ checkerError: 'the checker ran out of memory (checker.limits.memoryMb)' }] });
    expect(job.tests[0].checkerMessage).not.toContain('allocated=');
  });

  it('a checker cannot forge its verdict through the attach stream', async () => {
    const job = await judgeWith(verdictForgery);
    // It exits 3 after trying: testlib's FAIL, as it is, not the "exit 0" it tried to forge.
    expect(job).toMatchObject({ verdict: 'CHECKER_ERROR', tests: [{ checkerError: 'the checker failed (exit code 3, testlib’s FAIL)' }] });
    expect(job.tests[0].checkerMessage).not.toContain('injected=');
    expect(job.tests[0].checkerMessage).toContain('refused=');
  });
});
