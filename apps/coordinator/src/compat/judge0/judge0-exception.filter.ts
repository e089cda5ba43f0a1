import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { publicErrorText, serverErrorOf } from '../../http/public-error';
import { Judge0InvalidSubmission } from './judge0-errors';
import { toJudge0FieldErrors } from './judge0-native-errors';

/**
 * Errors of the Judge0 endpoints in Judge0's shapes: 422 with errors by
 * attribute for an invalid submission, `{"error": "..."}` for the rest, with
 * Judge0's words where Judge0 has them ("queue is full").
 */
@Catch()
export class Judge0ExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Judge0');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const invalid = exception instanceof Judge0InvalidSubmission ? exception : toJudge0FieldErrors(exception);
    if (invalid) {
      response.status(HttpStatus.UNPROCESSABLE_ENTITY).json(invalid.errors);
    } else if (exception instanceof HttpException) {
      response.status(exception.getStatus()).json({ error: errorOf(exception) });
    } else {
      this.logger.error(`unhandled error: ${(exception as Error)?.stack ?? String(exception)}`);
      const failure = serverErrorOf(exception);
      response.status(failure.status).json({ error: failure.message });
    }
  }
}

function errorOf(exception: HttpException): string {
  const body = exception.getResponse() as string | { error?: unknown; message?: unknown };
  const status = exception.getStatus();
  const own = typeof body === 'object' && typeof body.error === 'string' ? body.error : null;
  const text = own ?? publicErrorText(typeof body === 'string' ? body : String(body.message ?? exception.message), status);
  // Kiln's full-queue refusal, in Judge0's words (check_queue_size).
  if (status === HttpStatus.SERVICE_UNAVAILABLE && text.startsWith('the queue is full')) return 'queue is full';
  return text;
}
