import { AgentExec } from '../../agent/agent-frames';
import { AgentExecReport, AgentRefusedError, OutputListener } from '../../agent/agent-session';
import { SessionSandbox } from '../session-sandbox';
import { contextMarker } from './context-output';
import { SessionContexts } from './session-contexts';

const KEPT_PID = 321;

/** An agent's answer to an exec: a plain exit unless `result` says otherwise. */
function reportOf(result: Partial<AgentExecReport['result']> = {}): AgentExecReport {
  return {
    result: {
      exitCode: 0, signal: null, timedOut: false, cpuLimited: false, outputLimited: false, oomKilled: false,
      wallMs: 1000, cpuMs: 30, maxRssBytes: 10 << 20, stdoutBytes: 0, stderrBytes: 0,
      collectError: null, skippedCount: 0, execError: null, ...result,
    },
    stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), files: [], skipped: [],
  };
}

/**
 * A session's sandbox as the contexts use it: `keep` starts a context (its
 * pid), `stop` ends one, and a run is answered by `answerRun`, which gets
 * the exec, the nonce the client was handed and where its output goes.
 */
class SandboxDouble {
  readonly execs: AgentExec[] = [];

  constructor(private readonly answerRun: (exec: AgentExec, nonce: string, onOutput: OutputListener) => AgentExecReport) {}

  async run(exec: AgentExec, stdin: Buffer, onOutput?: OutputListener): Promise<AgentExecReport> {
    this.execs.push(exec);
    if (exec.keep) return reportOf({ keptPid: KEPT_PID });
    if (exec.stop) return reportOf();
    return this.answerRun(exec, stdin.toString().split('\n')[0], onOutput!);
  }
}

/** The driver's trailer after its output: the context answered. */
function answered(nonce: string, onOutput: OutputListener, report: object): AgentExecReport {
  onOutput('stdout', Buffer.concat([contextMarker(nonce), Buffer.from(JSON.stringify(report))]));
  return reportOf();
}

function contextsOn(sandbox: SandboxDouble): SessionContexts {
  return new SessionContexts(sandbox as unknown as SessionSandbox, { argv: ['python3', '-c', 'driver'] }, 4);
}

const request = { name: 'main', code: 'while True: pass', timeoutMs: 1000, cpuMs: 1000, outputBytes: 65536, onOutput: () => {} };

describe('SessionContexts: a context run’s exec and what the agent measured of the interpreter', () => {
  it('asks the agent to measure the context’s interpreter (measure_kept=<its pid>), and passes on what it read of a run stopped at its limit', async () => {
    const sandbox = new SandboxDouble((exec) => reportOf(exec.measureKept === KEPT_PID ? { timedOut: true, exitCode: null, signal: 9, keptCpuMs: 990, keptMaxRssBytes: 80 << 20 } : { timedOut: true }));
    const run = await contextsOn(sandbox).run(request);
    expect(run.said).toBeNull();
    expect(run.outcome).toEqual({ name: 'main', restarted: true, reason: 'the run reached its time limit' });
    expect(run.report.result).toMatchObject({ keptCpuMs: 990, keptMaxRssBytes: 80 << 20 });
    expect(sandbox.execs.map((exec) => (exec.keep ? 'keep' : exec.stop ? `stop ${exec.stop}` : `run measuring ${exec.measureKept}`))).toEqual([
      'keep',
      `run measuring ${KEPT_PID}`,
      `stop ${KEPT_PID}`,
      'keep',
    ]);
  });

  it('sends the run again without the key to an agent older than it (which refuses the exec before it starts), and every later run too', async () => {
    const sandbox = new SandboxDouble((exec, nonce, onOutput) => {
      if (exec.measureKept !== undefined) throw new AgentRefusedError('E key measure_kept: unknown key');
      return answered(nonce, onOutput, { result: '2', error: null, cpuMs: 1 });
    });
    const contexts = contextsOn(sandbox);
    expect((await contexts.run({ ...request, code: '1 + 1' })).said).toMatchObject({ result: '2' });
    expect((await contexts.run({ ...request, code: '1 + 1' })).said).toMatchObject({ result: '2' });
    const runs = sandbox.execs.filter((exec) => !exec.keep);
    expect(runs.map((exec) => exec.measureKept)).toEqual([KEPT_PID, undefined, undefined]);
  });

  it('holds the run to its CPU time limit (cpu_ms, which the agent counts the interpreter against), and says when that stopped it', async () => {
    const sandbox = new SandboxDouble((exec) => reportOf(exec.measureKept === KEPT_PID ? { cpuLimited: true, exitCode: null, signal: 9, keptCpuMs: 1010 } : {}));
    const run = await contextsOn(sandbox).run({ ...request, cpuMs: 750 });
    expect(run.outcome).toEqual({ name: 'main', restarted: true, reason: 'the run reached its CPU time limit' });
    expect(sandbox.execs.find((exec) => exec.measureKept === KEPT_PID)?.cpuMs).toBe(750);
  });

  it('leaves any other refusal of the run to the caller', async () => {
    const sandbox = new SandboxDouble(() => {
      throw new AgentRefusedError('cannot start program: Resource temporarily unavailable');
    });
    await expect(contextsOn(sandbox).run(request)).rejects.toThrow(/Resource temporarily unavailable/);
  });
});
