import {
  ExecutionOutcome,
  isOutOfMemoryExit,
  LanguageDefinition,
  OutputEncoding,
  signalName,
  StageResult,
  Verdict,
  verdictOfExecution,
} from '@kiln/tasks';
import { AgentExecReport } from '../agent/agent-session';

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

/**
 * A StageResult from the agent's report; `verdict` may be replaced by the
 * caller (compile steps). Output is decoded as UTF-8 (invalid bytes become
 * U+FFFD) or, when the request asked for it, sent as base64 of the exact bytes.
 * `combined` (stdout and stderr as interleaved) becomes `output` when given.
 */
export function stageResultOf(
  report: AgentExecReport,
  verdict: Verdict = verdictOfExecution(outcomeOf(report)),
  encoding: OutputEncoding = 'utf8',
  combined?: Buffer,
): StageResult {
  const r = report.result;
  return {
    stdout: report.stdout.toString(encoding),
    stderr: report.stderr.toString(encoding),
    ...(combined ? { output: combined.toString(encoding) } : {}),
    ...(encoding === 'base64' ? { encoding } : {}),
    exitCode: r.exitCode,
    signal: signalName(r.signal),
    verdict,
    wallTimeMs: r.wallMs,
    cpuTimeMs: r.cpuMs,
    memoryBytes: r.maxRssBytes,
    truncated: r.outputLimited,
  };
}
