import { DiagConsoleLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, ConsoleSpanExporter, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { TracingConfig } from '@kiln/config';

/** Paths too frequent to be worth a trace each. */
const UNTRACED_PATHS = ['/metrics', '/health'];

let sdk: NodeSDK | null = null;

/**
 * Starts OpenTelemetry for this process (before Nest and the HTTP modules are
 * loaded, so incoming and outgoing HTTP, Docker API calls included, are
 * traced). With exporter `none` nothing is recorded: the API's no-op tracer
 * stays in place and spans cost nothing.
 */
export function startTracing(config: TracingConfig, serviceName: string): void {
  if (sdk || config.exporter === 'none') return;
  diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.ERROR);
  const exporter: SpanExporter =
    config.exporter === 'console' ? new ConsoleSpanExporter() : new OTLPTraceExporter({ url: config.otlpEndpoint });
  sdk = new NodeSDK({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: config.flushMs })],
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.some((path) => request.url?.startsWith(path)) }),
    ],
  });
  sdk.start();
}

/** Sends what is buffered and stops (on shutdown). */
export async function stopTracing(): Promise<void> {
  await sdk?.shutdown().catch(() => undefined);
  sdk = null;
}
