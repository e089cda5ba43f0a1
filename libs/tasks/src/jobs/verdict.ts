/** What happened to the user's program (not to Kiln: that is the job state). */
export enum Verdict {
  OK = 'OK',
  COMPILE_ERROR = 'COMPILE_ERROR',
  RUNTIME_ERROR = 'RUNTIME_ERROR',
  TIMEOUT = 'TIMEOUT',
  MEMORY_LIMIT = 'MEMORY_LIMIT',
  OUTPUT_LIMIT = 'OUTPUT_LIMIT',
  WRONG_ANSWER = 'WRONG_ANSWER',
  /** A custom checker said the output is malformed (testlib's `_pe`, exit code 2). */
  PRESENTATION_ERROR = 'PRESENTATION_ERROR',
  /**
   * The request's own checker (or interactor) could not judge: it did not compile, crashed,
   * ran out of a limit, or gave up (testlib's `_fail`). The judgement failed,
   * not the program, and not Kiln: the job is COMPLETED with this verdict.
   */
  CHECKER_ERROR = 'CHECKER_ERROR',
  INTERNAL_ERROR = 'INTERNAL_ERROR',
}
