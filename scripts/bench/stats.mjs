// Small statistics for the benchmark: percentiles by nearest rank.

export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function summary(values) {
  return { p50: percentile(values, 50), p90: percentile(values, 90), p99: percentile(values, 99), n: values.length };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `once(loop)` `total` times in all, by `loops` loops side by side; how many per second. */
export async function perSecond(total, loops, once) {
  let issued = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: loops }, async (_, loop) => {
      while (issued < total) {
        issued++;
        await once(loop);
      }
    }),
  );
  return total / ((performance.now() - started) / 1000);
}
