import { AgentExecReport, AgentRefusedError } from '../agent/agent-session';
import { SandboxLease } from '../sandbox/sandbox-lease';
import { SandboxExecutor } from '../tasks/sandbox-executor';
import { SessionError } from './session-error';
import { SessionSandbox } from './session-sandbox';

const REPORT = { result: { exitCode: 0 } } as AgentExecReport;
const EAGAIN = 'cannot start program: Resource temporarily unavailable';

/** A session sandbox whose executor gives these answers in turn (an Error is thrown), counting the execs sent. */
function sandboxAnswering(...answers: (AgentExecReport | Error | (() => AgentExecReport | Error))[]) {
  const sent: unknown[] = [];
  const executor = {
    run: async (_lease: unknown, exec: unknown) => {
      sent.push(exec);
      const next = answers.length > 1 ? answers.shift()! : answers[0];
      const answer = typeof next === 'function' ? next() : next;
      if (answer instanceof Error) throw answer;
      return answer;
    },
  } as unknown as SandboxExecutor;
  const sandbox = new SessionSandbox({ alive: true } as SandboxLease, executor, {}, 60_000);
  return { sandbox, sent };
}

describe('SessionSandbox: an exec the agent could not fork', () => {
  it('is sent again while the killed programs of the run before leave, and then runs', async () => {
    const { sandbox, sent } = sandboxAnswering(new AgentRefusedError(EAGAIN), new AgentRefusedError('cannot start program: Cannot allocate memory'), REPORT);
    await expect(sandbox.run({ argv: ['true'], stop: 42 }, Buffer.alloc(0))).resolves.toBe(REPORT);
    expect(sent).toHaveLength(3);
    expect(sent[2]).toMatchObject({ argv: ['true'], stop: 42 });
  });

  it('still refused after the retries: a 409 of the session’s own programs, not Kiln’s failure', async () => {
    const { sandbox, sent } = sandboxAnswering(() => new AgentRefusedError(EAGAIN));
    const refusal = await sandbox.run({ argv: ['true'] }, Buffer.alloc(0)).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(SessionError);
    expect(refusal).toMatchObject({ code: 'conflict', message: expect.stringContaining('limits.processes') });
    expect(sent.length).toBeGreaterThan(5);
  });

  it('any other refusal is not retried', async () => {
    const { sandbox, sent } = sandboxAnswering(new AgentRefusedError('cannot start program: No such file or directory'), REPORT);
    await expect(sandbox.run({ argv: ['nope'] }, Buffer.alloc(0))).rejects.toBeInstanceOf(AgentRefusedError);
    expect(sent).toHaveLength(1);
  });
});
