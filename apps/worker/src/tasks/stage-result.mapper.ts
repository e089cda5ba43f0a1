import { ExecutionOutcome, signalName, StageResult, Verdict, verdictOfExecution } from '@kiln/tasks';
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

/** A StageResult from the agent's report; `verdict` may be replaced by the caller (compile steps). */
export function stageResultOf(report: AgentExecReport, verdict: Verdict = verdictOfExecution(outcomeOf(report))): StageResult {
  const r = report.result;
  return {
    stdout: report.stdout.toString('utf8'),
    stderr: report.stderr.toString('utf8'),
    exitCode: r.exitCode,
    signal: signalName(r.signal),
    verdict,
    wallTimeMs: r.wallMs,
    cpuTimeMs: r.cpuMs,
    memoryBytes: r.maxRssBytes,
    truncated: r.outputLimited,
  };
}
