import { DynamicModule, Module, Type } from '@nestjs/common';
import { EndpointsConfig, KilnConfig } from '@kiln/config';
import { StoreModule } from '@kiln/store';
import { AuthModule } from './auth/auth.module';
import { CompatModule } from './compat/compat.module';
import { Judge0Module } from './compat/judge0/judge0.module';
import { judge0Controllers } from './compat/judge0/judge0.controllers';
import { PistonModule } from './compat/piston/piston.module';
import { PistonController } from './compat/piston/piston.controller';
import { EventsModule } from './events/events.module';
import { JobEventsController } from './events-stream/job-events.controller';
import { HttpEdgeModule } from './http/http-edge.module';
import { InteractiveModule } from './interactive/interactive.module';
import { ExecuteController } from './jobs/execute.controller';
import { JobsController } from './jobs/jobs.controller';
import { JobsModule } from './jobs/jobs.module';
import { LanguagesController } from './languages/languages.controller';
import { McpController } from './mcp/mcp.controller';
import { McpModule } from './mcp/mcp.module';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsModule } from './metrics/metrics.module';
import { HealthController } from './nodes/health.controller';
import { NodesController } from './nodes/nodes.controller';
import { NodesModule } from './nodes/nodes.module';
import { PlaygroundController } from './playground/playground.controller';
import { PlaygroundModule } from './playground/playground.module';
import { QueuesController } from './queues/queues.controller';
import { QueuesModule } from './queues/queues.module';
import { SessionsController } from './sessions/sessions.controller';
import { SessionsModule } from './sessions/sessions.module';
import { SnippetsController } from './snippets/snippets.controller';
import { SnippetsModule } from './snippets/snippets.module';
import { TenancyModule } from './tenancy/tenancy.module';
import { WebhooksModule } from './webhooks/webhooks.module';

/** The coordinator's rooms (docs/architecture.md): each module imports only the rooms below it. */
const ROOMS = [
  HttpEdgeModule,
  AuthModule,
  MetricsModule,
  NodesModule,
  QueuesModule,
  TenancyModule,
  WebhooksModule,
  JobsModule,
  EventsModule,
  InteractiveModule,
  SnippetsModule,
  SessionsModule,
  PlaygroundModule,
  CompatModule,
  PistonModule,
  Judge0Module,
  McpModule,
];

/**
 * Each endpoint group's controllers (or a function of the configuration that
 * makes them, for a group mounted under a configured path), each in its
 * room's folder and served by its room's module; a group switched off in
 * config is simply not mounted (404).
 */
const ENDPOINT_GROUPS: Record<keyof EndpointsConfig, Type[] | ((config: KilnConfig) => Type[])> = {
  execute: [ExecuteController],
  jobs: [JobsController, JobEventsController],
  languages: [LanguagesController],
  health: [HealthController],
  nodes: [NodesController],
  queues: [QueuesController],
  metrics: [MetricsController],
  playground: [PlaygroundController],
  snippets: [SnippetsController],
  piston: [PistonController],
  judge0: judge0Controllers,
  mcp: [McpController],
  sessions: [SessionsController],
  // WebSockets, no controllers: InteractiveGateway (and PistonConnectGateway, with piston on) mount them when the group is on.
  interactive: [],
};

/** The coordinator: Kiln's data (libs/store), its rooms, and the endpoint groups switched on. */
@Module({})
export class CoordinatorModule {
  static forConfig(config: KilnConfig): DynamicModule {
    const endpoints = config.coordinator.api.endpoints;
    const controllers = Object.entries(ENDPOINT_GROUPS)
      .filter(([group]) => endpoints[group as keyof EndpointsConfig])
      .flatMap(([, group]) => (Array.isArray(group) ? group : group(config)));
    return { module: CoordinatorModule, imports: [StoreModule, ...ROOMS], controllers };
  }
}
