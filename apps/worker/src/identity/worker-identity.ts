import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { KilnConfig } from '@kiln/config';

/**
 * This worker's id (configured, or <hostname>-<pid>) and its instance: a new
 * random value at every start, so a restarted worker with a fixed id can tell
 * its previous life's containers from its own.
 */
@Injectable()
export class WorkerIdentity {
  readonly id: string;
  readonly instance = randomBytes(8).toString('hex');
  readonly hostname = hostname();

  constructor(config: KilnConfig) {
    this.id = workerId(config);
  }
}

export function workerId(config: KilnConfig): string {
  return config.worker.id || `${hostname()}-${process.pid}`;
}
