// A redis-server of a script's own (no persistence unless asked), on a free
// port, its pid, and a way to read its used_memory.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { endsWithThisProcess } from './child-process-reaper.mjs';
import { freePort } from './kiln-process.mjs';
import { sleep } from './stats.mjs';

export async function startRedis({ appendOnly = false } = {}) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'kiln-mem-'));
  // appendOnly: as Kiln standalone starts its own (apps/kiln/src/embedded-redis.ts).
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', appendOnly ? 'yes' : 'no', '--dir', dir];
  const child = endsWithThisProcess(spawn('redis-server', args, { stdio: 'ignore' }));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const url = `redis://127.0.0.1:${port}`;
  // ioredis keeps the command until it has connected (it retries by itself).
  const client = new Redis(url);
  // Refused connections until the server listens: ioredis retries them.
  client.on('error', () => undefined);
  const timeout = sleep(10_000).then(() => 'timeout');
  if ((await Promise.race([client.ping(), timeout])) !== 'PONG') throw new Error(`redis-server did not start on port ${port}`);
  return {
    url,
    pid: child.pid,
    client,
    usedMemory: async () => Number(/used_memory:(\d+)/.exec(await client.info('memory'))[1]),
    stop: async () => {
      client.disconnect();
      child.kill('SIGTERM');
      await exited;
    },
  };
}
