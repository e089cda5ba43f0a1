import type { LogLevel as NestLogLevel } from '@nestjs/common';
import { LogLevel } from './kiln-config';

const ORDER: LogLevel[] = ['error', 'warn', 'info', 'debug'];
const NEST: Record<LogLevel, NestLogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['warn'],
  info: ['log'],
  debug: ['debug', 'verbose'],
};

/** Nest's logger levels enabled by Kiln's `logging.level`. */
export function nestLogLevels(level: LogLevel): NestLogLevel[] {
  return ORDER.slice(0, ORDER.indexOf(level) + 1).flatMap((l) => NEST[l]);
}
