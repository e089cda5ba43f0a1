import { ExecutionOutcome, signalName } from './execution-outcome';
import { jsonTextPrefix } from './output-budget';
import { Verdict } from './verdict';

/**
 * testlib's exit codes (testlib.h, its default build: not EJUDGE, CONTESTER
 * or TESTSYS), which checkers written without testlib follow as well. A
 * checker runs as `checker <input> <output> <answer>` and writes its message
 * on stderr.
 */
export const TESTLIB_EXIT = {
  ok: 0,
  wrongAnswer: 1,
  presentationError: 2,
  fail: 3,
  /** `_dirt`, extra output after the answer: older testlib versions exit with it, newer ones say `_pe`. */
  dirt: 4,
  /** `quitp(points, …)`: stderr says `points <number> …`. */
  points: 7,
  /** `_unexpected_eof`, in builds with ENABLE_UNEXPECTED_EOF (otherwise testlib says `_pe`). */
  unexpectedEof: 8,
} as const;

/** The most of a checker's message a test result carries: bytes of its JSON text (README, "Custom checkers"). */
export const CHECKER_MESSAGE_BYTES = 1024;

/** What a checker decided about one test. */
export interface CheckerJudgement {
  /** OK, WRONG_ANSWER, PRESENTATION_ERROR, or CHECKER_ERROR when it could not judge. */
  verdict: Verdict;
  /** Its stderr as text, trimmed, at most CHECKER_MESSAGE_BYTES inside a JSON string. */
  message: string;
  /** The points of testlib's quitp (exit code 7); the verdict is then OK. */
  points?: number;
  /** Why the checker could not judge (CHECKER_ERROR only), in Kiln's words. */
  error?: string;
}

/** How a checker's run ended: the sandbox's outcome, and the agent's error when it could not start it at all. */
export interface CheckerRunOutcome extends ExecutionOutcome {
  startError?: string | null;
}

/** The request's judging programs, which the reasons name (and the field of their limits). */
export type JudgeRole = 'checker' | 'interactor';

const POINTS = /^points\s+([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(?:\s|$)/m;

/**
 * The verdict a checker (or an interactor: `role`) gave, by testlib's
 * convention. Whatever else ends it — a limit, a signal, testlib's FAIL, an
 * exit code the convention does not define — is CHECKER_ERROR with the
 * reason: the judging program failed, never the contestant's program, so it
 * is never a wrong answer.
 */
export function judgementOfChecker(outcome: CheckerRunOutcome, stderr: Buffer, role: JudgeRole = 'checker'): CheckerJudgement {
  const text = stderr.toString('utf8').trim();
  const message = jsonTextPrefix(text, CHECKER_MESSAGE_BYTES);
  const failed = (error: string): CheckerJudgement => ({ verdict: Verdict.CHECKER_ERROR, message, error });
  const limit = limitReached(outcome, role);
  if (limit) return failed(limit);
  if (outcome.startError) return failed(`the ${role} could not be started: ${outcome.startError}`);
  if (outcome.signal) return failed(`the ${role} was killed by ${signalName(outcome.signal)}`);
  switch (outcome.exitCode) {
    case TESTLIB_EXIT.ok:
      return { verdict: Verdict.OK, message };
    case TESTLIB_EXIT.wrongAnswer:
      return { verdict: Verdict.WRONG_ANSWER, message };
    case TESTLIB_EXIT.presentationError:
    case TESTLIB_EXIT.dirt:
    case TESTLIB_EXIT.unexpectedEof:
      return { verdict: Verdict.PRESENTATION_ERROR, message };
    case TESTLIB_EXIT.fail:
      return failed(`the ${role} failed (exit code 3, testlib’s FAIL)`);
    case TESTLIB_EXIT.points:
      return pointsJudgement(text, message) ?? failed(`the ${role} exited with 7 (points) without "points <number>" on its stderr`);
    default:
      return failed(
        `the ${role} exited with ${outcome.exitCode}, which testlib’s convention does not define ` +
          '(0 ok, 1 wrong answer, 2 presentation error, 3 fail, 7 points)',
      );
  }
}

/** A limit ends a checker before it decided: Kiln names the one, under the request's field that sets it. */
function limitReached(outcome: ExecutionOutcome, role: JudgeRole): string | null {
  if (outcome.oomKilled) return `the ${role} ran out of memory (${role}.limits.memoryMb)`;
  if (outcome.timedOut) return `the ${role} did not finish within its time limit (${role}.limits.timeoutMs)`;
  if (outcome.cpuLimited || outcome.signal === 24) return `the ${role} used up its CPU time (${role}.limits.cpuTimeMs)`;
  if (outcome.outputLimited) return `the ${role} wrote more than its output limit (${role}.limits.outputBytes)`;
  return null;
}

/** A judgement as a run's or test's fields (StageResult's checkerMessage, checkerPoints, checkerError). */
export function judgementFields(judgement: CheckerJudgement): { checkerMessage: string; checkerPoints?: number; checkerError?: string } {
  return {
    checkerMessage: judgement.message,
    ...(judgement.points !== undefined ? { checkerPoints: judgement.points } : {}),
    ...(judgement.error !== undefined ? { checkerError: judgement.error } : {}),
  };
}

function pointsJudgement(text: string, message: string): CheckerJudgement | null {
  const found = POINTS.exec(text);
  const points = found ? Number(found[1]) : NaN;
  return Number.isFinite(points) ? { verdict: Verdict.OK, message, points } : null;
}
