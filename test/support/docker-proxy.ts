import { connect, createServer, Server, Socket } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Harness, startKiln } from './kiln-harness';

/**
 * A unix-socket proxy in front of the real Docker engine, for fault injection:
 * `cut()` makes the engine unreachable for whoever uses the proxy (as if it
 * were down) without touching the engine every other test relies on.
 */
export class DockerProxy {
  readonly path = join(mkdtempSync(join(tmpdir(), 'kiln-docker-')), 'docker.sock');
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  get dockerHost(): string {
    return `unix://${this.path}`;
  }

  async start(): Promise<void> {
    this.server = createServer((client) => {
      const engine = connect('/var/run/docker.sock');
      for (const socket of [client, engine]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(engine).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.path, resolve));
  }

  /** The engine "goes down": open connections drop, new ones are refused. */
  async cut(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }
}

/**
 * A worker alone (no coordinator) that reaches the Docker engine only through
 * the proxy, on the Redis prefix of `kiln` (whose coordinator it serves).
 */
export async function startWorkerBehind(proxy: DockerProxy, kiln: Harness, env: Record<string, string>): Promise<Harness> {
  process.env.DOCKER_HOST = proxy.dockerHost;
  try {
    return await startKiln({ coordinator: false, env: { KILN_REDIS__PREFIX: kiln.prefix, ...env } });
  } finally {
    delete process.env.DOCKER_HOST;
  }
}
