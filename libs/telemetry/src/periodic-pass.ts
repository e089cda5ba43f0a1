/**
 * A background pass (a sweeper, an audit, a reaper) run every `intervalMs`
 * until the returned stop is called. The timer never keeps a process alive,
 * and a pass that fails is reported through `onFailure` (a log line) while
 * the next one runs as planned: the passes are idempotent, so the next
 * catches up on what a failed one left.
 */
export function runEvery(intervalMs: number, pass: () => Promise<unknown>, onFailure: (error: Error) => void): () => void {
  const timer = setInterval(() => void pass().catch(onFailure), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
