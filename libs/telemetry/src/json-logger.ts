import { LoggerService } from '@nestjs/common';
import pino, { Logger } from 'pino';
import type { LogLevel } from '@kiln/config';
import { currentTraceId } from './trace-context';

const PINO_LEVELS: Record<LogLevel, string> = { error: 'error', warn: 'warn', info: 'info', debug: 'debug' };

/**
 * Nest's logger as JSON lines (pino): one line per event, with the Nest
 * context, the active trace id, and the fields passed as an object
 * (`logger.log({ msg: 'task finished', jobId, taskId })`).
 */
export class JsonLogger implements LoggerService {
  private readonly pino: Logger;

  constructor(level: LogLevel, fields: Record<string, string> = {}, destination?: pino.DestinationStream) {
    this.pino = pino(
      {
        level: PINO_LEVELS[level],
        base: { pid: process.pid, ...fields },
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
      },
      destination ?? pino.destination({ dest: 1, sync: true }),
    );
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  /** Nest passes (message, ...params, context): the last string is the context. */
  private write(level: 'info' | 'error' | 'warn' | 'debug' | 'fatal', message: unknown, rest: unknown[]): void {
    // Below the level nothing is built: the per-job lines cost nothing when they are not written.
    if (!this.pino.isLevelEnabled(level)) return;
    const context = typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
    const traceId = currentTraceId();
    const base = { ...(context ? { context } : {}), ...(traceId ? { traceId } : {}) };
    if (message !== null && typeof message === 'object' && !(message instanceof Error)) {
      const { msg, ...fields } = message as Record<string, unknown>;
      this.pino[level]({ ...base, ...fields }, String(msg ?? ''));
    } else if (message instanceof Error) {
      this.pino[level]({ ...base, err: { message: message.message, stack: message.stack } }, message.message);
    } else {
      this.pino[level](base, String(message));
    }
  }
}
