import { INestApplication, LoggerService, Module } from '@nestjs/common';
import { NestFactory, Reflector } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { KilnConfigModule, LoadedConfig } from '@kiln/config';
import { JsonLogger } from '@kiln/telemetry';
import { CoordinatorModule } from './coordinator.module';
import { ApiExceptionFilter } from './http/api-exception.filter';
import { hostCheckMiddleware } from './http/host-check.middleware';
import { InFlightRequests } from './http/in-flight-requests';
import { JsonBodyInterceptor } from './http/json-body.interceptor';
import { assertLanguageQueues } from './jobs/language-queues';
import { apiValidationPipe } from './http/validation.pipe';

export interface CoordinatorOptions {
  /** Listen on this port instead of the configured one (0: any free port; tests). */
  port?: number;
  /** The process's logger when the coordinator shares its process (standalone); else its own, `service: coordinator`. */
  logger?: LoggerService;
}

/** Builds the coordinator's HTTP application (not yet listening). */
export async function createCoordinator(loaded: LoadedConfig, logger?: LoggerService): Promise<INestApplication> {
  assertLanguageQueues(loaded);
  @Module({ imports: [KilnConfigModule.forRoot(loaded), CoordinatorModule.forConfig(loaded.config)] })
  class CoordinatorRootModule {}
  const app = await NestFactory.create<NestExpressApplication>(CoordinatorRootModule, {
    bodyParser: false,
    logger: logger ?? new JsonLogger(loaded.config.logging.level, { service: 'coordinator' }),
  });
  app.disable('x-powered-by');
  app.use(app.get(InFlightRequests).middleware);
  app.use(helmet());
  app.use(hostCheckMiddleware(loaded.config));
  const { origins } = loaded.config.coordinator.cors;
  if (origins.length) app.enableCors({ origin: origins, allowedHeaders: ['content-type', 'authorization', 'x-kiln-key', 'x-auth-token'] });
  app.useGlobalInterceptors(new JsonBodyInterceptor(app.get(Reflector), loaded.config.coordinator.bodyLimitBytes));
  app.useGlobalPipes(apiValidationPipe());
  app.useGlobalFilters(new ApiExceptionFilter());
  return app;
}

/** Starts the coordinator and listens on the configured host and port. */
export async function bootstrapCoordinator(loaded: LoadedConfig, options: CoordinatorOptions = {}): Promise<INestApplication> {
  const app = await createCoordinator(loaded, options.logger);
  const { host, port } = loaded.config.coordinator;
  const listenOn = options.port ?? port;
  await app.listen(listenOn, host).catch((error: Error) => {
    throw new Error(`cannot listen on ${host}:${listenOn} (coordinator.host, coordinator.port): ${error.message}`);
  });
  return app;
}
