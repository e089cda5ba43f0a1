import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { FieldError } from '../../http/field-error';
import { publicErrorText, serverErrorOf } from '../../http/public-error';
import { PistonJobFailure } from './piston-result.mapper';

/**
 * Errors of the Piston endpoints in Piston's shape, `{message}`: Piston's
 * own 400s pass as they are, Kiln's (a bad file name, a full queue, a
 * missing API key…) keep their status with Kiln's words as the message.
 */
@Catch()
export class PistonExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Piston');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (exception instanceof HttpException) {
      response.status(exception.getStatus()).json({ message: pistonMessageOf(exception) });
      return;
    }
    if (exception instanceof PistonJobFailure) {
      response.status(HttpStatus.INTERNAL_SERVER_ERROR).json({ message: exception.message });
      return;
    }
    this.logger.error(`unhandled error: ${(exception as Error)?.stack ?? String(exception)}`);
    const failure = serverErrorOf(exception);
    response.status(failure.status).json({ message: failure.message });
  }
}

/** An HttpException's text as Piston's `message` (also what /api/v2/connect notifies). */
export function pistonMessageOf(exception: HttpException): string {
  const body = exception.getResponse() as string | { message?: unknown; error?: unknown; details?: FieldError[] };
  const status = exception.getStatus();
  if (typeof body === 'string') return publicErrorText(body, status);
  if (typeof body.message === 'string') return publicErrorText(body.message, status);
  if (body.details?.length) return body.details.map((detail) => `${detail.field}: ${detail.message}`).join('; ');
  if (typeof body.error === 'string') return body.error;
  return publicErrorText(exception.message, status);
}
