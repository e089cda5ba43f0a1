import { collectDefaultMetrics, Registry } from 'prom-client';

/** Latency buckets that resolve 10 ms to 60 s. */
export const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

let processRegistry: Registry | null = null;

/**
 * Node's default metrics (CPU, memory, event loop, GC), once per process even
 * when a coordinator and a worker share it (standalone).
 */
export function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: 'kiln_' });
  }
  return processRegistry;
}

/** The exposition of an app's own registry plus the process metrics. */
export async function exposition(registry: Registry): Promise<{ contentType: string; body: string }> {
  const merged = Registry.merge([registry, processMetrics()]);
  return { contentType: merged.contentType, body: await merged.metrics() };
}
