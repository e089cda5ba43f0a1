// Request patterns of the benchmark against a running Kiln.
import { randomBytes } from 'node:crypto';
import { perSecond, sleep } from './stats.mjs';

export const PYTHON_HELLO = 'print("hello " + input())';
export const C_HELLO = '#include <stdio.h>\nint main(void){ char s[64]; if (scanf("%63s", s) != 1) return 1; printf("hello %s\\n", s); return 0; }\n';

/** One /execute with a unique stdin token; throws unless the answer is right. Returns ms. */
export async function executeHello(base, language, code) {
  const token = randomBytes(6).toString('hex');
  const started = performance.now();
  const response = await fetch(`${base}/execute`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ language, code, stdin: token }),
  });
  const body = await response.json();
  const elapsed = performance.now() - started;
  if (response.status !== 200 || body.verdict !== 'OK' || body.run?.stdout !== `hello ${token}\n`) {
    throw new Error(`wrong answer (${response.status}): ${JSON.stringify(body).slice(0, 300)}`);
  }
  return { ms: elapsed, body };
}

/** `count` requests one after another, `thinkMs` apart. */
export async function sequential(base, language, code, count, thinkMs) {
  const times = [];
  for (let i = 0; i < count; i++) {
    times.push((await executeHello(base, language, code)).ms);
    if (thinkMs) await sleep(thinkMs);
  }
  return times;
}

/** `total` jobs through `clients` closed-loop clients; jobs per second. */
export async function throughput(base, language, code, total, clients) {
  return perSecond(total, clients, () => executeHello(base, language, code));
}

/** `count` requests at once; how many came back right, and how long the last took. */
export async function burst(base, language, code, count) {
  const started = performance.now();
  const results = await Promise.allSettled(Array.from({ length: count }, () => executeHello(base, language, code)));
  const failures = results.filter((r) => r.status === 'rejected').map((r) => r.reason.message);
  return { ok: count - failures.length, count, seconds: (performance.now() - started) / 1000, failures };
}
