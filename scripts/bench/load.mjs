// Request patterns of the benchmark against a peer (peers.mjs): back to
// back, closed-loop clients, a burst, a judge's submissions.
import { perSecond } from './stats.mjs';

/** `count` programs one after another, back to back (no pause); ms of each. */
export async function backToBack(peer, program, count) {
  const times = [];
  for (let i = 0; i < count; i++) times.push(await peer.run(program()));
  return times;
}

/** `total` programs through `clients` closed-loop clients, back to back; programs per second. */
export function throughput(peer, program, total, clients) {
  return perSecond(total, clients, () => peer.run(program()));
}

/**
 * `count` programs at once: how many came back right, how many were
 * refused with 429, and how long the last took.
 */
export async function burst(peer, program, count) {
  const started = performance.now();
  const results = await Promise.allSettled(Array.from({ length: count }, () => peer.run(program())));
  const failures = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
  return {
    ok: count - failures.length,
    count,
    throttled: failures.filter((failure) => failure.status === 429).length,
    seconds: (performance.now() - started) / 1000,
    failures: failures.map((failure) => failure.message),
  };
}

/** The requests that judge the submissions (the peer's own: one per submission, or one per test) through `clients` closed-loop clients; tests judged per second. */
export async function judged(peer, submissions, clients) {
  const requests = peer.judgeRequests(submissions);
  const tests = submissions.reduce((sum, s) => sum + s.tests.length, 0);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let next = requests.shift(); next; next = requests.shift()) await next();
    }),
  );
  return tests / ((performance.now() - started) / 1000);
}
