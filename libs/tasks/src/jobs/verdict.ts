/** What happened to the user's program (not to Kiln: that is the job state). */
export enum Verdict {
  OK = 'OK',
  COMPILE_ERROR = 'COMPILE_ERROR',
  RUNTIME_ERROR = 'RUNTIME_ERROR',
  TIMEOUT = 'TIMEOUT',
  MEMORY_LIMIT = 'MEMORY_LIMIT',
  OUTPUT_LIMIT = 'OUTPUT_LIMIT',
  WRONG_ANSWER = 'WRONG_ANSWER',
  INTERNAL_ERROR = 'INTERNAL_ERROR',
}
