import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisAnswers } from '@kiln/redis';
import { freePort } from './processes';

/**
 * A redis-server of the test's own, with append-only persistence as the
 * compose file ships it, which the test may restart (the shared one must not be).
 */
export class PrivateRedis {
  readonly dir = mkdtempSync(join(tmpdir(), 'kiln-redis-'));
  port = 0;
  private child: ChildProcess | null = null;

  /** `args`: more redis-server options, after (and so over) the defaults. */
  constructor(private readonly args: string[] = []) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    if (spawnSync('redis-server', ['--version']).status !== 0) throw new Error('redis-server is not installed');
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--save', '', ...this.args], {
      stdio: 'ignore',
    });
    for (let i = 0; i < 50; i++) {
      if (await redisAnswers(this.url, 250)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`redis-server did not start on port ${this.port}`);
  }

  /** SHUTDOWN (the append-only file is flushed), then start again on the same port and data. */
  async restart(downMs = 1000): Promise<void> {
    await this.stop();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.start();
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    this.child = null;
  }
}
