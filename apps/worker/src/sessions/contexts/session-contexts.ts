import { randomBytes } from 'node:crypto';
import { ContextOutcome } from '@kiln/tasks';
import { AgentExec } from '../../agent/agent-frames';
import { AgentExecReport, AgentRefusedError, OutputListener } from '../../agent/agent-session';
import { SessionError } from '../session-error';
import { SessionSandbox } from '../session-sandbox';
import { ContextDriver } from './context-drivers';
import { ContextOutput, ContextReport } from './context-output';

/** Room the driver's trailer gets beside the program's output cap. */
const TRAILER_BYTES = 64 * 1024;

export interface ContextRunRequest {
  name: string;
  code: string;
  timeoutMs: number;
  /** The run's CPU time limit: the interpreter's CPU during the run counts against it (measure_kept). */
  cpuMs: number;
  outputBytes: number;
  onOutput: OutputListener;
}

export interface ContextRun {
  /**
   * The run's own exec (the driver's client half): its time, limits and
   * output, and, from an agent that measures kept programs, what the
   * context's interpreter used meanwhile (keptCpuMs, keptMaxRssBytes).
   */
  report: AgentExecReport;
  /** What the context said of the run; null when it said nothing (stopped, or ended). */
  said: ContextReport | null;
  outcome: ContextOutcome;
}

/**
 * The stateful contexts of one session: each a kept program of the sandbox's
 * agent (keep=1), a live interpreter that a run hands its code to
 * (python-context.driver.ts). A run the agent had to stop (time, output,
 * memory) or whose interpreter died leaves the context in no known state:
 * it is ended (stop=<pid>, with all it started) and started afresh at once,
 * and the answer says so.
 */
export class SessionContexts {
  private readonly kept = new Map<string, number>();
  /** Whether the sandbox's agent takes measure_kept; one older than the key refuses it once. */
  private agentMeasures = true;

  constructor(
    private readonly sandbox: SessionSandbox,
    private readonly driver: ContextDriver,
    private readonly maxContexts: number,
  ) {}

  get names(): string[] {
    return [...this.kept.keys()];
  }

  async run(request: ContextRunRequest): Promise<ContextRun> {
    const { name } = request;
    if (!this.kept.has(name)) await this.start(name);
    const nonce = randomBytes(16).toString('hex');
    const output = new ContextOutput(nonce, request.onOutput);
    const exec: AgentExec = {
      argv: [...this.driver.argv, 'run', name, String(request.outputBytes)],
      timeoutMs: request.timeoutMs,
      cpuMs: request.cpuMs,
      outputBytes: request.outputBytes + TRAILER_BYTES,
    };
    const report = await this.runMeasuring(exec, this.kept.get(name)!, Buffer.from(`${nonce}\n${request.code}`), output.listener);
    const said = output.finish();
    const trouble = troubleOf(report, said);
    if (!trouble) return { report, said, outcome: { name, restarted: false } };
    await this.stop(name);
    await this.start(name);
    return { report, said, outcome: { name, restarted: true, reason: trouble } };
  }

  /**
   * The run's exec, with the agent measuring the context's interpreter
   * (measure_kept, docs/agent-protocol.md): a run stopped at its limit has
   * no other measure of it. An agent older than the key refuses the exec
   * before it starts; it is sent again without the key, as every later run.
   */
  private async runMeasuring(exec: AgentExec, pid: number, stdin: Buffer, onOutput: OutputListener): Promise<AgentExecReport> {
    if (this.agentMeasures) {
      try {
        return await this.sandbox.run({ ...exec, measureKept: pid }, stdin, onOutput);
      } catch (error) {
        if (!(error instanceof AgentRefusedError && /measure_kept/.test(error.message))) throw error;
        this.agentMeasures = false;
      }
    }
    return this.sandbox.run(exec, stdin, onOutput);
  }

  private async start(name: string): Promise<void> {
    if (this.kept.size >= this.maxContexts) {
      const held = this.names.join(', ');
      throw new SessionError('invalid', `a session keeps at most ${this.maxContexts} contexts (worker.sessions.maxContexts); it has ${held}`, 'context');
    }
    const { result } = await this.sandbox.run({ argv: [...this.driver.argv, 'serve', name], keep: true }, Buffer.alloc(0)).catch((error: Error) => {
      // An agent older than kept programs refuses the key.
      if (error instanceof AgentRefusedError && /keep/.test(error.message)) {
        throw new SessionError('failed', `this sandbox's agent cannot keep a context (${error.message}): its image predates kept programs; rebuild the images`);
      }
      throw error;
    });
    if (!result.keptPid) throw new SessionError('failed', `the context ${name} could not start: ${result.execError ?? `exit code ${result.exitCode}`}`);
    this.kept.set(name, result.keptPid);
  }

  private async stop(name: string): Promise<void> {
    const pid = this.kept.get(name);
    this.kept.delete(name);
    if (pid) await this.sandbox.run({ argv: ['true'], stop: pid }, Buffer.alloc(0));
  }
}

/** Why a context cannot be trusted after this run, or null when it answered. */
function troubleOf(report: AgentExecReport, said: ContextReport | null): string | null {
  const { result } = report;
  if (result.timedOut) return 'the run reached its time limit';
  if (result.cpuLimited) return 'the run reached its CPU time limit';
  if (result.oomKilled) return 'the context ran out of memory';
  if (result.outputLimited || said?.outputLimited) return 'the run reached its output limit';
  if (!said) return 'the context ended during the run';
  return null;
}
