import { Injectable } from '@nestjs/common';
import { hostname } from 'node:os';
import { KilnConfig } from '@kiln/config';

/** This worker process's id: configured, or <hostname>-<pid>. */
@Injectable()
export class WorkerIdentity {
  readonly id: string;
  readonly hostname = hostname();

  constructor(config: KilnConfig) {
    this.id = config.worker.id || `${this.hostname}-${process.pid}`;
  }
}
