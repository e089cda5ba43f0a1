import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { WebSocketServer } from 'ws';
import { KilnConfig } from '@kiln/config';
import { ApiKeys } from '../auth/api-keys';
import { UpgradeRateLimit } from '../auth/upgrade-rate-limit';
import { WebSocketUpgrades } from '../http/websocket-upgrades';
import { InteractiveRuns } from './interactive-runs';
import { InteractiveSocket } from './interactive-socket';

/** Where the native interactive endpoint listens (README, "Interactive runs"). */
export const INTERACTIVE_PATH = '/interactive';
/** Close code of the sockets still open when the coordinator stops. */
const GOING_AWAY = 1001;

/**
 * The native WebSocket endpoint, when the `interactive` endpoint group is on:
 * each connection is an InteractiveSocket over InteractiveRuns. A message is
 * at most coordinator.bodyLimitBytes, as a request body is.
 */
@Injectable()
export class InteractiveGateway implements OnModuleInit, OnModuleDestroy {
  private server: WebSocketServer | null = null;

  constructor(
    private readonly upgrades: WebSocketUpgrades,
    private readonly runs: InteractiveRuns,
    private readonly keys: ApiKeys,
    private readonly rateLimit: UpgradeRateLimit,
    private readonly config: KilnConfig,
  ) {}

  onModuleInit(): void {
    const { coordinator } = this.config;
    if (!coordinator.api.endpoints.interactive) return;
    const server = new WebSocketServer({ noServer: true, maxPayload: coordinator.bodyLimitBytes });
    this.server = server;
    this.upgrades.route(
      INTERACTIVE_PATH,
      (request, socket, head) =>
        server.handleUpgrade(request, socket, head, (ws) => new InteractiveSocket(ws, request, this.runs, this.keys, coordinator.interactive.startTimeoutMs)),
      (request) => this.rateLimit.refusal(request),
    );
  }

  onModuleDestroy(): void {
    const server = this.server;
    if (!server) return;
    for (const client of server.clients) client.close(GOING_AWAY, 'the coordinator is stopping');
    server.close();
  }
}
