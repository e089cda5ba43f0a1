import { SessionErrorCode } from '@kiln/tasks';

/** What a session request could not do, in the words the coordinator answers with (its code decides the status). */
export class SessionError extends Error {
  constructor(
    readonly code: SessionErrorCode,
    message: string,
    /** The request field it is about. */
    readonly field?: string,
  ) {
    super(message);
  }
}
