/** A Judge0 status as the API shows it. */
export interface Judge0Status {
  id: number;
  description: string;
}

/** Judge0 CE's 14 statuses (app/enumerations/status.rb), by name. */
export const JUDGE0_STATUS = {
  queue: { id: 1, description: 'In Queue' },
  process: { id: 2, description: 'Processing' },
  accepted: { id: 3, description: 'Accepted' },
  wrongAnswer: { id: 4, description: 'Wrong Answer' },
  timeLimit: { id: 5, description: 'Time Limit Exceeded' },
  compilationError: { id: 6, description: 'Compilation Error' },
  sigsegv: { id: 7, description: 'Runtime Error (SIGSEGV)' },
  sigxfsz: { id: 8, description: 'Runtime Error (SIGXFSZ)' },
  sigfpe: { id: 9, description: 'Runtime Error (SIGFPE)' },
  sigabrt: { id: 10, description: 'Runtime Error (SIGABRT)' },
  nzec: { id: 11, description: 'Runtime Error (NZEC)' },
  other: { id: 12, description: 'Runtime Error (Other)' },
  internalError: { id: 13, description: 'Internal Error' },
  execFormatError: { id: 14, description: 'Exec Format Error' },
} as const satisfies Record<string, Judge0Status>;

/** GET /statuses: all 14, by id. */
export const JUDGE0_STATUSES: readonly Judge0Status[] = Object.values(JUDGE0_STATUS).sort((a, b) => a.id - b.id);

/** Judge0's runtime-error status for a fatal signal (Status.find_runtime_error_by_status_code). */
export function runtimeErrorStatusOfSignal(signal: number): Judge0Status {
  switch (signal) {
    case 11:
      return JUDGE0_STATUS.sigsegv;
    case 25:
      return JUDGE0_STATUS.sigxfsz;
    case 8:
      return JUDGE0_STATUS.sigfpe;
    case 6:
      return JUDGE0_STATUS.sigabrt;
    default:
      return JUDGE0_STATUS.other;
  }
}
