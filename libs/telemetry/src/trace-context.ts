import { context, propagation, Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

/** W3C trace context (`traceparent`, `tracestate`) as carried in queue messages. */
export type TraceCarrier = Record<string, string>;

export const tracer = trace.getTracer('kiln');

/** The active trace context, serialised, for a message that crosses a process boundary. */
export function currentTraceCarrier(): TraceCarrier {
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** The id of the active trace, or undefined when tracing is off. */
export function currentTraceId(): string | undefined {
  const id = trace.getActiveSpan()?.spanContext().traceId;
  return id && !/^0+$/.test(id) ? id : undefined;
}

/** The trace id inside a carrier (for records and logs), without starting anything. */
export function traceIdOf(carrier: TraceCarrier | undefined): string | undefined {
  return carrier?.traceparent?.split('-')[1];
}

/**
 * Runs `work` in a span. With `parent`, the span continues the trace of the
 * process that sent the message (the coordinator's request, for a task).
 */
export async function inSpan<T>(
  name: string,
  attributes: Record<string, string | number | boolean | undefined>,
  work: (span: Span) => Promise<T>,
  options: { parent?: TraceCarrier; kind?: SpanKind } = {},
): Promise<T> {
  const parentContext = options.parent ? propagation.extract(context.active(), options.parent) : context.active();
  const cleaned = Object.fromEntries(Object.entries(attributes).filter(([, v]) => v !== undefined)) as Record<string, string | number | boolean>;
  return tracer.startActiveSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: cleaned }, parentContext, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

export { SpanKind };
