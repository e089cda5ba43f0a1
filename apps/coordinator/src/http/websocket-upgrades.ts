import { HttpException, Injectable, MethodNotAllowedException, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, Server } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Application, NextFunction, Request, Response } from 'express';
import { KilnConfig } from '@kiln/config';
import { hostRefusal } from './host-check.middleware';

/** Takes over one upgraded request of its path (a WebSocket handshake, e.g. with ws's handleUpgrade). */
export type UpgradeHandler = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** RFC 9110 §15.5.22 (Nest's HttpStatus has no name for it). */
const UPGRADE_REQUIRED = 426;

/** An answer instead of the upgrade (the API's error shape). */
export interface UpgradeAnswer {
  status: number;
  body: object;
  headers?: Record<string, string>;
}

/** A check an endpoint asks for before its handler (e.g. the rate limit, auth/upgrade-rate-limit.ts): null lets the upgrade on. */
export type UpgradeCheck = (request: IncomingMessage) => Promise<UpgradeAnswer | null>;

interface UpgradeRoute {
  handler: UpgradeHandler;
  check?: UpgradeCheck;
}

/**
 * The one listener for the HTTP server's `upgrade` requests, which no Express
 * middleware or route sees: each WebSocket endpoint registers its path here
 * (in its module's onModuleInit), and any other path is answered 404, so no
 * upgrade is left hanging. The checks every request must pass apply to them
 * here: the host check (coordinator.hostCheck), and an origin check. A
 * browser lets any page open a WebSocket to any address and sends no CORS
 * preflight; what it does send is `Origin`, so a page of another origin is
 * refused (403) unless its origin is one of `coordinator.cors.origins`, the
 * same rule as the API's CORS (clients that are not browsers send no
 * `Origin` and pass). The key check is the endpoint's own, as is the check
 * it may give with its route (the rate limit: auth/upgrade-rate-limit.ts).
 * A plain HTTP request to an endpoint's path (no Upgrade: curl, a browser's
 * address bar, a proxy that drops the header) is told what the path is: 426
 * with `Upgrade: websocket` for GET and HEAD, 405 with `Allow: GET` for any
 * other method, not the 404 of a path that does not exist.
 */
@Injectable()
export class WebSocketUpgrades implements OnModuleInit, OnApplicationBootstrap {
  private readonly routes = new Map<string, UpgradeRoute>();
  private readonly origins: Set<string>;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly config: KilnConfig,
  ) {
    this.origins = new Set(config.coordinator.cors.origins);
  }

  /** Serves upgrades of exactly `path` (any query string), each after `check` when one is given. */
  route(path: string, handler: UpgradeHandler, check?: UpgradeCheck): void {
    if (this.routes.has(path)) throw new Error(`a WebSocket endpoint at ${path} is already registered`);
    this.routes.set(path, { handler, check });
  }

  /** Before Nest's 404 handler, as http/method-not-allowed.ts explains; the routes are read per request, so those registered later count. */
  onModuleInit(): void {
    const express = this.adapterHost.httpAdapter.getInstance<Application>();
    express.use((request: Request, response: Response, next: NextFunction) => {
      if (!this.routes.has(request.path)) return next();
      const path = request.path.slice(0, 200);
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.setHeader('Allow', 'GET');
        return next(new MethodNotAllowedException({ error: `${path} is a WebSocket endpoint: ${request.method} is not a method of it; open it with a WebSocket client (GET with Upgrade: websocket)` }));
      }
      response.setHeader('Upgrade', 'websocket');
      response.setHeader('Connection', 'Upgrade');
      next(new HttpException({ error: `${path} is a WebSocket endpoint: open it with a WebSocket client (GET with Upgrade: websocket)` }, UPGRADE_REQUIRED));
    });
  }

  onApplicationBootstrap(): void {
    if (!this.routes.size) return;
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    const refusal = hostRefusal(this.config);
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => socket.destroy()); // a client that breaks off mid-handshake is no error of ours
      const refused = refusal(request.headers.host);
      if (refused) return refuseUpgrade(socket, 421, refused);
      const origin = request.headers.origin;
      if (origin && !this.sameOrAllowedOrigin(origin, request.headers.host)) {
        return refuseUpgrade(socket, 403, {
          error: `a WebSocket from the origin ${JSON.stringify(origin.slice(0, 255))} is refused`,
          details: [{ field: 'origin', message: "must be this server's own origin or one of coordinator.cors.origins" }],
        });
      }
      const path = (request.url ?? '/').split('?')[0];
      const route = this.routes.get(path);
      if (!route) return refuseUpgrade(socket, 404, { error: `no WebSocket endpoint at ${path.slice(0, 200)}` });
      if (!route.check) return route.handler(request, socket, head);
      route.check(request).then(
        (answer) => (answer ? refuseUpgrade(socket, answer.status, answer.body, answer.headers) : route.handler(request, socket, head)),
        () => refuseUpgrade(socket, 503, { error: 'the upgrade could not be checked; try again later' }),
      );
    });
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

/** An HTTP answer on a socket that was asking to upgrade (a refusal, in the API's error shape), then the end of it. */
export function refuseUpgrade(socket: Duplex, status: number, body: object, headers: Record<string, string> = {}): void {
  const json = JSON.stringify(body);
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(json)}\r\n${extra}Connection: close\r\n\r\n${json}`,
  );
}
