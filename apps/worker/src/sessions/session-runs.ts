import { Injectable } from '@nestjs/common';
import {
  cpuTimeMsOf,
  JobInput,
  Limits,
  mainFileName,
  SessionMeta,
  SessionRunRequest,
  SessionRunResult,
  StageResult,
  Verdict,
  verdictOfExecution,
} from '@kiln/tasks';
import { AgentExecReport, OutputListener } from '../agent/agent-session';
import { OutputRecorder, RecordedOutput } from '../tasks/output-recorder';
import { commandFor, runExecOf } from '../tasks/program-files';
import { judgedReport, outcomeOf, runVerdictOf, stageResultOf } from '../tasks/stage-result.mapper';
import { ContextRun } from './contexts/session-contexts';
import { HeldSession } from './held-session';
import { SessionError } from './session-error';

/** Where a run's output goes as it comes (an SSE client), by stage. */
export type LiveOutput = (stage: 'compile' | 'run', stream: 'stdout' | 'stderr', chunk: Buffer) => void;

/**
 * One run in a session (POST /sessions/:id/run): an argv (`command`), the
 * language's program from `code` (written as its main file, compiled first
 * when the language compiles, from the workspace's sources), or code in a
 * stateful context. Each answers in the shape of a job's run stage.
 */
@Injectable()
export class SessionRuns {
  async run(held: HeldSession, request: SessionRunRequest, live?: LiveOutput): Promise<SessionRunResult> {
    if (request.command) return this.command(held, request, request.command, live);
    if (request.code === undefined) throw new SessionError('invalid', 'give code or command', 'code');
    if (request.context !== undefined) return this.inContext(held, request, request.code, live);
    return this.program(held, request, request.code, live);
  }

  private async command(held: HeldSession, request: SessionRunRequest, argv: string[], live?: LiveOutput): Promise<SessionRunResult> {
    const limits = runLimits(held.meta, request.timeoutMs);
    const recorder = recorderFor('run', live);
    const report = await held.sandbox.run(
      { argv, timeoutMs: limits.timeoutMs, cpuMs: cpuTimeMsOf(limits), outputBytes: limits.outputBytes },
      Buffer.from(request.stdinBase64, 'base64'),
      recorder.listener,
    );
    if (report.result.execError) recorder.listener('stderr', Buffer.from(`kiln: cannot run ${argv[0]}: ${report.result.execError}\n`));
    return stageOf(report, recorder.finish());
  }

  private async program(held: HeldSession, request: SessionRunRequest, code: string, live?: LiveOutput): Promise<SessionRunResult> {
    const { language } = held;
    const main = mainFileName(language, code);
    await held.workspace.put(main, Buffer.from(code, 'utf8'));
    const limits = runLimits(held.meta, request.timeoutMs);
    const others = language.compile ? (await held.workspace.files()).filter((path) => path !== main) : [];
    const input: JobInput = { files: [main, ...others].map((name) => ({ name, contentBase64: '' })), stdinBase64: '', args: request.args };
    let compile: StageResult | undefined;
    if (language.compile) {
      const recorder = recorderFor('compile', live);
      const argv = commandFor(language.compile, language, input, limits, limits.memoryMb);
      const report = await held.sandbox.run(
        { argv, timeoutMs: limits.compileTimeoutMs, outputBytes: limits.outputBytes },
        Buffer.alloc(0),
        recorder.listener,
      );
      const recorded = recorder.finish();
      const verdict = verdictOfExecution(outcomeOf(judgedReport(report, recorded)));
      // A compiler that exits non-zero is a compile error; its limits keep their own verdicts.
      compile = stageOf(report, recorded, verdict === Verdict.RUNTIME_ERROR ? Verdict.COMPILE_ERROR : verdict);
      if (compile.verdict !== Verdict.OK) return { ...compile, verdict: Verdict.COMPILE_ERROR, compile };
    }
    const recorder = recorderFor('run', live);
    const report = await held.sandbox.run(runExecOf(language, input, limits, limits.outputBytes), Buffer.from(request.stdinBase64, 'base64'), recorder.listener);
    const recorded = recorder.finish();
    const run = stageOf(report, recorded, runVerdictOf(judgedReport(report, recorded), language));
    return compile ? { ...run, compile } : run;
  }

  private async inContext(held: HeldSession, request: SessionRunRequest, code: string, live?: LiveOutput): Promise<SessionRunResult> {
    if (!held.contexts) {
      throw new SessionError('invalid', `${held.language.id} has no stateful contexts (python and javascript have)`, 'context');
    }
    const limits = runLimits(held.meta, request.timeoutMs);
    const recorder = recorderFor('run', live);
    const run = await held.contexts.run({
      name: request.context!,
      code,
      timeoutMs: limits.timeoutMs,
      cpuMs: cpuTimeMsOf(limits),
      outputBytes: limits.outputBytes,
      onOutput: recorder.listener,
    });
    return contextResultOf(run, recorder.finish());
  }
}

/** A job's limits for one run of the session: its own, with the run's time limit. */
function runLimits(meta: SessionMeta, timeoutMs: number): Limits {
  return { ...meta.limits, timeoutMs, jobOutputBytes: meta.limits.outputBytes, compileMemoryMb: meta.limits.memoryMb };
}

/** A run's output as the answer renders it (text), passed on live as it is kept. */
function recorderFor(stage: 'compile' | 'run', live?: LiveOutput): OutputRecorder {
  const onKept: OutputListener | undefined = live ? (stream, chunk) => live(stage, stream, chunk) : undefined;
  return new OutputRecorder({ encoding: 'utf8', combined: false, share: Number.MAX_SAFE_INTEGER, onKept });
}

function stageOf(report: AgentExecReport, recorded: RecordedOutput, verdict?: Verdict): StageResult {
  const { budgetUsed, interleaving, ...stage } = stageResultOf(judgedReport(report, recorded), recorded, verdict);
  return stage;
}

/**
 * A context run in a run stage's shape: the context's own measures (its
 * interpreter's time and memory, not the client's), exit code 1 when the
 * code raised, and the limit's verdict when the run had to be stopped.
 * The interpreter's word comes first; a run it did not answer (stopped at
 * a limit) has the agent's reading of it (measure_kept), and only an agent
 * older than that leaves the client's.
 */
function contextResultOf({ report, said, outcome }: ContextRun, recorded: RecordedOutput): SessionRunResult {
  const stage = stageOf(report, recorded);
  const context = { context: outcome, result: said?.result ?? null, error: said?.error ?? null };
  const measures = {
    cpuTimeMs: said?.cpuMs ?? report.result.keptCpuMs ?? stage.cpuTimeMs,
    memoryBytes: said?.memoryBytes ?? report.result.keptMaxRssBytes ?? stage.memoryBytes,
  };
  if (outcome.restarted) {
    const verdict = stage.verdict === Verdict.OK ? (said?.outputLimited ? Verdict.OUTPUT_LIMIT : Verdict.RUNTIME_ERROR) : stage.verdict;
    return { ...stage, ...measures, verdict, truncated: stage.truncated || Boolean(said?.outputLimited), ...context };
  }
  const raised = Boolean(said?.error);
  return {
    ...stage,
    ...measures,
    exitCode: raised ? 1 : 0,
    signal: null,
    verdict: raised ? Verdict.RUNTIME_ERROR : Verdict.OK,
    wallTimeMs: said?.wallMs ?? stage.wallTimeMs,
    ...context,
  };
}
