import { SessionLimits, SessionMeta, Verdict } from '@kiln/tasks';
import { AgentExecReport } from '../agent/agent-session';
import { ContextReport } from './contexts/context-output';
import { ContextRun, SessionContexts } from './contexts/session-contexts';
import { HeldSession } from './held-session';
import { SessionRuns } from './session-runs';

const LIMITS: SessionLimits = { timeoutMs: 1000, memoryMb: 256, cpus: 1, processes: 64, outputBytes: 65536, compileTimeoutMs: 15000, cpuTimeMs: 5000 };

/** The client half's exec, stopped at its wall limit (30 ms of its own CPU), with what the agent read of the interpreter. */
function stoppedClient(kept: { keptCpuMs?: number; keptMaxRssBytes?: number }): AgentExecReport {
  return {
    result: {
      exitCode: null, signal: 9, timedOut: true, cpuLimited: false, outputLimited: false, oomKilled: false,
      wallMs: 1004, cpuMs: 30, maxRssBytes: 9 << 20, stdoutBytes: 0, stderrBytes: 0,
      collectError: null, skippedCount: 0, execError: null, ...kept,
    },
    stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), files: [], skipped: [],
  };
}

/** A held Python session whose context answers every run with `run`. */
function heldWith(run: ContextRun): HeldSession {
  const contexts = { run: async () => run } as unknown as SessionContexts;
  const meta = { limits: LIMITS } as SessionMeta;
  return new HeldSession(meta, { id: 'python' } as HeldSession['language'], undefined as never, undefined as never, contexts);
}

const request = { code: 'while True: pass', context: 'main', stdinBase64: '', args: [], timeoutMs: 1000 };
const restarted = { name: 'main', restarted: true, reason: 'the run reached its time limit' };

describe('SessionRuns: the measures of a context run', () => {
  it('answers a run stopped at its limit with the interpreter’s CPU and memory, as the agent read them', async () => {
    const run: ContextRun = { report: stoppedClient({ keptCpuMs: 987, keptMaxRssBytes: 80 << 20 }), said: null, outcome: restarted };
    const answer = await new SessionRuns().run(heldWith(run), request);
    expect(answer).toMatchObject({ verdict: Verdict.TIMEOUT, cpuTimeMs: 987, memoryBytes: 80 << 20, wallTimeMs: 1004, context: restarted });
  });

  it('keeps the client’s measures only when the agent read none (an agent older than measure_kept)', async () => {
    const run: ContextRun = { report: stoppedClient({}), said: null, outcome: restarted };
    expect(await new SessionRuns().run(heldWith(run), request)).toMatchObject({ verdict: Verdict.TIMEOUT, cpuTimeMs: 30, memoryBytes: 9 << 20 });
  });

  it('takes the interpreter’s own word over the agent’s reading when it answered', async () => {
    const said: ContextReport = { result: '2', error: null, wallMs: 3, cpuMs: 2, memoryBytes: 20 << 20, outputLimited: false };
    const report = { ...stoppedClient({ keptCpuMs: 5, keptMaxRssBytes: 21 << 20 }), result: { ...stoppedClient({}).result, timedOut: false, exitCode: 0, signal: null } };
    const answer = await new SessionRuns().run(heldWith({ report, said, outcome: { name: 'main', restarted: false } }), request);
    expect(answer).toMatchObject({ verdict: Verdict.OK, result: '2', wallTimeMs: 3, cpuTimeMs: 2, memoryBytes: 20 << 20 });
  });
});
