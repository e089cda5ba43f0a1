import { KilnConfig, RunMode } from '@kiln/config';

/** What a stopping process may take beyond its grace periods (the last 503s, handing tasks back, removing sandboxes). */
export const SHUTDOWN_MARGIN_MS = 5000;

/**
 * How long a SIGTERM may take in this mode, Redis or not: the grace periods
 * of what it runs (standalone: the coordinator's, then the worker's) plus
 * SHUTDOWN_MARGIN_MS. Past it the process exits regardless (main.ts).
 */
export function shutdownDeadlineMs(mode: RunMode, config: KilnConfig): number {
  const coordinator = mode === 'worker' ? 0 : config.coordinator.shutdownGraceMs;
  const worker = mode === 'coordinator' ? 0 : config.worker.shutdownGraceMs;
  return coordinator + worker + SHUTDOWN_MARGIN_MS;
}
