import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { KilnConfig } from '@kiln/config';
import { hostRefusal } from './host-check.middleware';

/** Takes over one upgraded request of its path (a WebSocket handshake, e.g. with ws's handleUpgrade). */
export type UpgradeHandler = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * The one listener for the HTTP server's `upgrade` requests, which no Express
 * middleware or route sees: each WebSocket endpoint registers its path here
 * (in its module's onModuleInit), and any other path is answered 404, so no
 * upgrade is left hanging. The host check (coordinator.hostCheck) applies
 * to them as to every request; the key check is the endpoint's own.
 */
@Injectable()
export class WebSocketUpgrades implements OnApplicationBootstrap {
  private readonly routes = new Map<string, UpgradeHandler>();

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly config: KilnConfig,
  ) {}

  /** Serves upgrades of exactly `path` (any query string). */
  route(path: string, handler: UpgradeHandler): void {
    if (this.routes.has(path)) throw new Error(`a WebSocket endpoint at ${path} is already registered`);
    this.routes.set(path, handler);
  }

  onApplicationBootstrap(): void {
    if (!this.routes.size) return;
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    const refusal = hostRefusal(this.config);
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => socket.destroy()); // a client that breaks off mid-handshake is no error of ours
      const refused = refusal(request.headers.host);
      if (refused) return answer(socket, 421, 'Misdirected Request', refused);
      const path = (request.url ?? '/').split('?')[0];
      const handler = this.routes.get(path);
      if (!handler) return answer(socket, 404, 'Not Found', { error: `no WebSocket endpoint at ${path.slice(0, 200)}` });
      handler(request, socket, head);
    });
  }
}

/** An HTTP answer on a socket that was asking to upgrade, then the end of it. */
function answer(socket: Duplex, status: number, reason: string, body: object): void {
  const json = JSON.stringify(body);
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`);
}
