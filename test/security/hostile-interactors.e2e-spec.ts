import { Harness } from '../support/kiln-harness';
import { SANDBOX_MODES } from '../support/sandbox-modes';
import { containersOfJob } from '../support/sandboxes';
import { eventually } from '../support/waiting';
import { Attack, AttackContext, forkBombC, memoryBomb, verdictForgery } from './attacks';
import { asProgramAnswer, JudgedStage, reportingOnStderr, REPORTING, startJudgingStage, JudgingStage } from './judging-attacks';

interface InteractorJob {
  id: string;
  state: string;
  verdict: string;
  error?: string;
  interactorCompile?: { verdict: string } | null;
  run: JudgedStage & { stdout: string };
}

/** The attack's program as the interactor of a one-line program: what it reports goes to stderr, the interactor's message. */
function asInteractor(attack: Attack, context: AttackContext): Record<string, unknown> {
  return { language: 'python', code: 'print(1)', interactor: reportingOnStderr(attack, context) };
}

/**
 * Issue 17, acceptance 7: an interactor runs under the same sandbox rules as
 * the program it talks to. Attacks of the hostile catalogue
 * (test/security/attacks.ts) sent as the interactor of a job are contained as
 * they are for a program: no network, no host files or sockets, no
 * privileges, its own cgroup limits, and whatever it does ends the job
 * COMPLETED (CHECKER_ERROR at worst), never FAILED, never the program's
 * WRONG_ANSWER, with no sandbox left. In every sandbox mode, as
 * hostile-checkers.e2e-spec.ts runs the catalogue as checkers.
 */
describe.each(SANDBOX_MODES)('hostile interactors (sandbox mode %s)', (mode) => {
  let stage: JudgingStage;
  let kiln: Harness;
  let context: AttackContext;

  beforeAll(async () => {
    stage = await startJudgingStage('hostile-interactors', mode);
    ({ kiln, context } = stage);
  });

  afterAll(async () => {
    await stage?.close();
  });

  const interactWith = async (attack: Attack): Promise<InteractorJob> => {
    const response = await kiln.http().post('/execute').send(asInteractor(attack, context));
    expect(response.status).toBe(200);
    const job: InteractorJob = response.body;
    expect(job.state).toBe('COMPLETED');
    expect(['OK', 'CHECKER_ERROR']).toContain(job.verdict);
    await eventually(() => containersOfJob(job.id), (left) => left.length === 0, 30_000, 'no sandbox of the job left');
    return job;
  };

  it.each(REPORTING.map((attack) => [attack.name, attack]))('%s, as an interactor: fails', async (_name, attack) => {
    const job = await interactWith(attack as Attack);
    (attack as Attack).check(asProgramAnswer(job, job.run), context);
  });

  it('a fork bomb as a (compiled) interactor is stopped by its limits (CHECKER_ERROR), and Kiln goes on serving', async () => {
    const job = await interactWith(forkBombC);
    expect(job).toMatchObject({ verdict: 'CHECKER_ERROR', interactorCompile: { verdict: 'OK' }, run: { verdict: 'CHECKER_ERROR' } });
    const started = Date.now();
    const hello = await kiln.http().post('/execute').send({ language: 'python', code: 'print("still here")' });
    expect(hello.body.run?.stdout).toBe('still here\n');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a memory bomb as an interactor runs out of its own memory limit', async () => {
    const job = await interactWith(memoryBomb);
    expect(job).toMatchObject({ verdict: 'CHECKER_ERROR', run: { checkerError: 'the interactor ran out of memory (interactor.limits.memoryMb)' } });
    expect(job.error).toBe('the interactor ran out of memory (interactor.limits.memoryMb)');
    expect(job.run.checkerMessage).not.toContain('allocated=');
  });

  it('an interactor cannot forge its verdict through the attach stream', async () => {
    const job = await interactWith(verdictForgery);
    // It exits 3 after trying: testlib's FAIL, as it is, not the "exit 0" it tried to forge.
    expect(job).toMatchObject({ verdict: 'CHECKER_ERROR', run: { checkerError: 'the interactor failed (exit code 3, testlib’s FAIL)' } });
    expect(job.run.checkerMessage).not.toContain('injected=');
    expect(job.run.checkerMessage).toContain('refused=');
  });
});
