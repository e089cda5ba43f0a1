import { Injectable } from '@nestjs/common';
import Docker from 'dockerode';
import { TaskQueueConsumer } from '../tasks/task-queue.consumer';

/**
 * Checks the Docker engine at every heartbeat. While it does not answer, the
 * worker takes no tasks (they wait in the queue for another worker, or for
 * this one to recover) rather than failing them one by one.
 */
@Injectable()
export class DockerWatchdog {
  private lastError: string | null = null;

  constructor(
    private readonly docker: Docker,
    private readonly consumer: TaskQueueConsumer,
  ) {}

  async check(): Promise<{ ok: boolean; error?: string }> {
    try {
      await this.docker.ping();
      this.lastError = null;
      this.consumer.resume();
      return { ok: true };
    } catch (error) {
      this.lastError = (error as Error).message;
      await this.consumer.pause(`the Docker engine does not answer (${this.lastError})`);
      return { ok: false, error: this.lastError };
    }
  }
}
