import {
  BadRequestException,
  ConflictException,
  GoneException,
  HttpException,
  HttpStatus,
  InternalServerErrorException,
  NotFoundException,
  PayloadTooLargeException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { SessionRecord, SessionReply } from '@kiln/tasks';

/** 404: no such session, word for word the answer to another key's (SECURITY.md, tenancy). */
export function noSession(id: string): NotFoundException {
  return new NotFoundException({ error: `no session with id ${id}` });
}

/** 410: the session has ended, and why. */
export function sessionEnded(record: SessionRecord): GoneException {
  const why = record.endReason ?? record.state;
  return new GoneException({ error: `session ${record.meta.id} has ended (${record.state}): ${why}`, state: record.state });
}

/** 429: the key holds its most live sessions. */
export function keySessionsFull(held: number, max: number): HttpException {
  const error = `this API key holds ${held} live sessions; coordinator.sessions.maxPerKey allows ${max}: close one (DELETE /sessions/:id) or let one expire`;
  return new HttpException({ error }, HttpStatus.TOO_MANY_REQUESTS);
}

export function noWorkerForSessions(why: string): ServiceUnavailableException {
  return new ServiceUnavailableException({ error: `no worker can take a session now: ${why}; try again later` });
}

/** 503: the worker that holds it did not answer, though its heartbeat says it is there. */
export function workerNotAnswering(record: SessionRecord, detail: string): ServiceUnavailableException {
  return new ServiceUnavailableException({
    error: `the worker of session ${record.meta.id} is not answering (${detail}): it may be gone; if it is, the session ends once its heartbeat is stale (nodes.timeoutMs)`,
  });
}

/** What a worker's refusal is as an answer of the API (an ended session is sessionEnded, by the caller). */
export function refusalOf(reply: Extract<SessionReply, { ok: false }>): HttpException {
  const body = { error: reply.message };
  switch (reply.code) {
    case 'no-such-file':
      return new NotFoundException(body);
    case 'conflict':
      return new ConflictException(body);
    case 'too-large':
      return new PayloadTooLargeException(body);
    case 'invalid':
      return new BadRequestException({ error: 'invalid request', details: [{ field: reply.field ?? 'body', message: reply.message }] });
    case 'full':
      return new ServiceUnavailableException(body);
    default:
      return new InternalServerErrorException({ error: `Kiln could not serve the session: ${reply.message}` });
  }
}
