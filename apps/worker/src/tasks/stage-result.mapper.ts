import { ExecutionOutcome, isOutOfMemoryExit, LanguageDefinition, ReportedStage, signalName, Verdict, verdictOfExecution } from '@kiln/tasks';
import { AgentExecReport } from '../agent/agent-session';
import { RecordedOutput } from './output-recorder';

export function outcomeOf(report: AgentExecReport): ExecutionOutcome {
  const r = report.result;
  return {
    exitCode: r.exitCode,
    signal: r.signal,
    timedOut: r.timedOut,
    cpuLimited: r.cpuLimited,
    outputLimited: r.outputLimited,
    oomKilled: r.oomKilled,
  };
}

/**
 * The verdict of a program's run. A runtime that gives up for lack of memory
 * by itself (the JVM's OutOfMemoryError, exit 3) hit the memory limit as
 * surely as one the kernel killed: MEMORY_LIMIT, not RUNTIME_ERROR.
 */
export function runVerdictOf(report: AgentExecReport, language: LanguageDefinition): Verdict {
  const verdict = verdictOfExecution(outcomeOf(report));
  if (verdict === Verdict.RUNTIME_ERROR && isOutOfMemoryExit(language, report.result.exitCode, [report.stdout, report.stderr])) {
    return Verdict.MEMORY_LIMIT;
  }
  return verdict;
}

/** The report as judged: output dropped for the job's budget counts as the output limit, like the agent's own cap. */
export function judgedReport(report: AgentExecReport, recorded: RecordedOutput): AgentExecReport {
  if (!recorded.truncated || report.result.outputLimited) return report;
  return { ...report, result: { ...report.result, outputLimited: true } };
}

/**
 * A stage result from the agent's report and the output recorded within the
 * budget; `verdict` may be replaced by the caller (compile steps). Output is
 * UTF-8 text (invalid bytes become U+FFFD) or, when the request asked for it,
 * base64 of the exact bytes; with combinedOutput it carries its interleaving.
 */
export function stageResultOf(
  report: AgentExecReport,
  recorded: RecordedOutput,
  verdict: Verdict = verdictOfExecution(outcomeOf(report)),
): ReportedStage {
  const r = report.result;
  return {
    ...recorded.output,
    ...(recorded.encoding === 'base64' ? { encoding: 'base64' as const } : {}),
    exitCode: r.exitCode,
    signal: signalName(r.signal),
    verdict,
    wallTimeMs: r.wallMs,
    cpuTimeMs: r.cpuMs,
    memoryBytes: r.maxRssBytes,
    truncated: r.outputLimited || recorded.truncated,
    budgetUsed: recorded.budgetUsed,
  };
}
