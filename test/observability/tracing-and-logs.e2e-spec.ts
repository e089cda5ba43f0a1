import { randomBytes } from 'node:crypto';
import http from 'node:http';
import Redis from 'ioredis';
import request from 'supertest';
import { TEST_REDIS_URL } from '../support/environment';
import { deleteKeys, REPO_ROOT } from '../support/kiln-harness';
import { eventually } from '../support/waiting';
import { freePort, KilnProcess, spawnKiln } from '../support/processes';
import { testPrefix } from '../support/test-run';

interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
}

/** A minimal OTLP/HTTP (JSON) trace receiver: what an OpenTelemetry collector would get. */
function otlpReceiver(): Promise<{ server: http.Server; url: string; spans: ReceivedSpan[] }> {
  const spans: ReceivedSpan[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      for (const resourceSpans of JSON.parse(body).resourceSpans ?? []) {
        const service = resourceSpans.resource.attributes.find((a: { key: string }) => a.key === 'service.name')?.value.stringValue;
        for (const scope of resourceSpans.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) spans.push({ service, traceId: span.traceId, spanId: span.spanId, parentSpanId: span.parentSpanId, name: span.name });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/v1/traces`, spans })),
  );
}

function jsonLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Issue 7, acceptances 2 and 4, in split mode: one trace across processes, and one job's logs found by its id. */
describe('tracing and logs across coordinator and worker processes', () => {
  const prefix = testPrefix('otel');
  let receiver: Awaited<ReturnType<typeof otlpReceiver>>;
  let coordinator: KilnProcess;
  let worker: KilnProcess;
  let url: string;

  beforeAll(async () => {
    receiver = await otlpReceiver();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const env = {
      KILN_HOME: REPO_ROOT,
      KILN_REDIS__URL: TEST_REDIS_URL,
      KILN_REDIS__PREFIX: prefix,
      KILN_LOGGING__LEVEL: 'info',
      KILN_TELEMETRY__TRACING__EXPORTER: 'otlp',
      KILN_TELEMETRY__TRACING__OTLP_ENDPOINT: receiver.url,
      KILN_TELEMETRY__TRACING__FLUSH_MS: '200',
      KILN_NODES__HEARTBEAT_MS: '1000',
    };
    coordinator = spawnKiln('coordinator', { ...env, KILN_COORDINATOR__PORT: String(port) });
    worker = spawnKiln('worker', { ...env, KILN_WORKER__ID: 'traced-worker' });
    await eventually(() => request(url).get('/health').then((r) => r.status, () => 0), (status) => status === 200, 30_000);
  });

  afterAll(async () => {
    await Promise.all([coordinator?.stop(), worker?.stop()]);
    receiver?.server.close();
    const redis = new Redis(TEST_REDIS_URL);
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it('one /execute makes one trace: HTTP → plan → enqueue → worker task → sandbox → program run → events', async () => {
    const secretSource = `print("traced ${randomBytes(4).toString('hex')}")`;
    const answer = await request(url).post('/execute').send({ language: 'python', code: secretSource });
    expect(answer.body.run.stdout).toMatch(/^traced /);
    const traceId = answer.body.traceId as string;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);

    const expected = [
      'kiln-coordinator:POST',
      'kiln-coordinator:kiln.plan',
      'kiln-coordinator:kiln.enqueue',
      'kiln-worker:kiln.task',
      'kiln-worker:kiln.sandbox.acquire',
      'kiln-worker:kiln.program.run',
      'kiln-coordinator:kiln.event.completed',
    ];
    // Each process exports in batches (flushMs): the HTTP span ends after the answer, often a batch after the rest.
    const spans = await eventually(
      async () => receiver.spans.filter((s) => s.traceId === traceId),
      (list) => expected.every((name) => list.some((s) => `${s.service}:${s.name}` === name)),
      15_000,
    );
    expect(spans.map((s) => `${s.service}:${s.name}`)).toEqual(expect.arrayContaining(expected));
    // The worker's task span is a child of a coordinator span: the context crossed the queue.
    const task = spans.find((s) => s.name === 'kiln.task')!;
    const parent = spans.find((s) => s.spanId === task.parentSpanId);
    expect(parent?.service).toBe('kiln-coordinator');
    // Container operations are spans too (the Docker Engine API calls).
    expect(spans.some((s) => s.service === 'kiln-worker' && /^(POST|GET|DELETE)$/.test(s.name))).toBe(true);

    // The job's logs, found by its id in both processes' output, carry the trace id; the source never appears.
    const id = answer.body.id as string;
    const coordinatorLines = await eventually(
      async () => jsonLines(coordinator.output()).filter((line) => line.jobId === id),
      (lines) => lines.some((line) => line.msg === 'job finished'),
    );
    // The worker says 'task finished' once its report is sent, so possibly after the answer.
    const workerLines = await eventually(
      async () => jsonLines(worker.output()).filter((line) => line.jobId === id),
      (lines) => lines.some((line) => line.msg === 'task finished'),
    );
    expect(coordinatorLines.map((l) => l.msg)).toEqual(expect.arrayContaining(['job accepted', 'job finished']));
    expect(workerLines.map((l) => l.msg)).toEqual(expect.arrayContaining(['task started', 'task finished']));
    expect(workerLines.every((l) => l.workerId === 'traced-worker' && l.traceId === traceId)).toBe(true);
    expect(coordinatorLines.find((l) => l.msg === 'job accepted')).toMatchObject({ traceId, level: 'info', service: 'coordinator' });
    expect(coordinator.output() + worker.output()).not.toContain(secretSource);
  });
});
