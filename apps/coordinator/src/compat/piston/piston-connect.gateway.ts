import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { KilnConfig } from '@kiln/config';
import { CallerIdentity, keyOf } from '../../auth/caller-identity';
import { UpgradeRateLimit } from '../../auth/upgrade-rate-limit';
import { refuseUpgrade, WebSocketUpgrades } from '../../http/websocket-upgrades';
import { InteractiveRunStarter } from '../../interactive/interactive-run';
import { PistonConnection } from './piston-connection';
import { PistonRuntimes } from './piston-runtimes';

/** The provider of interactive runs this gateway starts jobs with (the interactive room's service). */
export const PISTON_RUN_STARTER = Symbol('PistonRunStarter');

export const PISTON_CONNECT_PATH = '/api/v2/connect';

/**
 * Piston's WebSocket, /api/v2/connect, on the coordinator's HTTP server
 * (through the upgrade edge, http/websocket-upgrades.ts): served when both
 * the `piston` and the `interactive` endpoint groups are on. The key is
 * checked as for Piston's other routes (X-Kiln-Key or Authorization: Bearer
 * on the upgrade); a wrong one is refused before the upgrade (401), a missing
 * one may still come in the init message's `key` (a browser cannot set
 * headers on a WebSocket).
 */
@Injectable()
export class PistonConnectGateway implements OnModuleInit, OnApplicationShutdown {
  private readonly sockets: WebSocketServer;

  constructor(
    private readonly upgrades: WebSocketUpgrades,
    @Inject(PISTON_RUN_STARTER) private readonly starter: InteractiveRunStarter,
    private readonly runtimes: PistonRuntimes,
    private readonly callers: CallerIdentity,
    private readonly rateLimit: UpgradeRateLimit,
    private readonly config: KilnConfig,
  ) {
    // An init carries the program's files: as large as a request body may be.
    this.sockets = new WebSocketServer({ noServer: true, maxPayload: config.coordinator.bodyLimitBytes });
  }

  onModuleInit(): void {
    if (!this.served()) return;
    this.upgrades.route(
      PISTON_CONNECT_PATH,
      (request, socket, head) => this.upgrade(request, socket, head),
      (request) => this.rateLimit.refusal(request),
    );
  }

  /** The coordinator stops: every client is told so (1001, going away); their jobs are cancelled as they close. */
  onApplicationShutdown(): void {
    for (const client of this.sockets.clients) client.close(1001, 'coordinator shutting down');
    this.sockets.close();
  }

  private served(): boolean {
    const { endpoints } = this.config.coordinator.api;
    return endpoints.piston && endpoints.interactive;
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const presented = keyOf(request);
    const caller = this.callers.identifyKey(presented);
    if (presented && caller.refusal) return refuseUpgrade(socket, 401, { message: caller.refusal });
    this.sockets.handleUpgrade(request, socket, head, (webSocket) => {
      new PistonConnection(webSocket, {
        starter: this.starter,
        runtimes: this.runtimes,
        limits: this.config.limits,
        caller,
        identifyKey: (key) => this.callers.identifyKey(key),
      });
    });
  }
}
