import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, Server } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { KilnConfig } from '@kiln/config';
import { hostCheck, HostRefusal } from './host-check.middleware';

/** Takes one upgrade request whose path it was registered for (after the edge's checks passed). */
export type UpgradeHandler = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** What a route does when the coordinator stops: close its sockets. */
export interface UpgradeRoute {
  handle: UpgradeHandler;
  close(): void;
}

const MISDIRECTED_REQUEST = 421;

/**
 * The HTTP edge of WebSocket upgrades. An upgrade never passes Express (its
 * middleware, guards, filters), so the checks every request must pass are
 * made here, once for every WebSocket route: the host check (DNS rebinding,
 * host-check.middleware.ts) and an origin check. A browser lets any page open
 * a WebSocket to any address and sends no CORS preflight; what it does send
 * is `Origin`, so a cross-origin page is refused unless its origin is one of
 * `coordinator.cors.origins` (the same rule as the API's CORS). Clients that
 * are not browsers send no `Origin` and pass. An upgrade to a path no route
 * took is 404, as Express would answer the path.
 */
@Injectable()
export class WebSocketUpgrades implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly routes = new Map<string, UpgradeRoute>();
  private readonly refusalOfHost: (header: string | undefined) => HostRefusal | null;
  private readonly origins: Set<string>;
  private server?: Server;
  private readonly listener = (request: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(request, socket, head);

  constructor(
    private readonly adapter: HttpAdapterHost,
    config: KilnConfig,
  ) {
    this.refusalOfHost = hostCheck(config);
    this.origins = new Set(config.coordinator.cors.origins);
  }

  /** Serves upgrades to exactly `path` (no query string considered). */
  route(path: string, route: UpgradeRoute): void {
    if (this.routes.has(path)) throw new Error(`a WebSocket route for ${path} is already registered`);
    this.routes.set(path, route);
  }

  onApplicationBootstrap(): void {
    this.server = this.adapter.httpAdapter?.getHttpServer() as Server | undefined;
    this.server?.on('upgrade', this.listener);
  }

  onApplicationShutdown(): void {
    this.server?.off('upgrade', this.listener);
    for (const route of this.routes.values()) route.close();
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const route = this.routes.get(pathOf(request.url));
    if (!route) return refuseUpgrade(socket, 404, { error: `no WebSocket endpoint at ${pathOf(request.url).slice(0, 200)}` });
    const hostRefusal = this.refusalOfHost(request.headers.host);
    if (hostRefusal) return refuseUpgrade(socket, MISDIRECTED_REQUEST, hostRefusal);
    const origin = request.headers.origin;
    if (origin && !this.sameOrAllowedOrigin(origin, request.headers.host)) {
      return refuseUpgrade(socket, 403, {
        error: `a WebSocket from the origin ${JSON.stringify(origin.slice(0, 255))} is refused`,
        details: [{ field: 'origin', message: 'must be this server\'s own origin or one of coordinator.cors.origins' }],
      });
    }
    route.handle(request, socket, head);
  }

  private sameOrAllowedOrigin(origin: string, host: string | undefined): boolean {
    if (this.origins.has(origin)) return true;
    try {
      return new URL(origin).host === host;
    } catch {
      return false;
    }
  }
}

function pathOf(url = '/'): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** An HTTP answer on the raw socket of a refused upgrade, in the API's error shape, then the socket closed. */
export function refuseUpgrade(socket: Duplex, status: number, body: object): void {
  const text = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(text)}\r\n` +
      'Connection: close\r\n\r\n' +
      text,
  );
}
