import http from 'node:http';
import { WorkerMetricsServer } from '../../apps/worker/src/node/worker-metrics.server';
import { Harness, startKiln } from '../support/kiln-harness';
import { eventually } from '../support/waiting';
import { parseExposition, total } from '../support/prometheus-text';

function get(url: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) =>
    http
      .get(url, (response) => {
        let body = '';
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, type: String(response.headers['content-type']), body }));
      })
      .on('error', reject),
  );
}

/** Issue 7, acceptance 1 and 3: Prometheus metrics that reflect exactly the jobs that ran. */
describe('metrics', () => {
  let kiln: Harness;
  let workerMetricsUrl: string;

  beforeAll(async () => {
    // Container mode without a warm pool: one container create per task, so the count below is exact.
    kiln = await startKiln({ env: { KILN_SANDBOX__MODE: 'container', KILN_SANDBOX__POOL__SIZE: '0' } });
    workerMetricsUrl = `http://127.0.0.1:${kiln.worker!.get(WorkerMetricsServer).port}`;
  });

  afterAll(async () => {
    await kiln?.close();
  });

  const scrapeCoordinator = async () => parseExposition((await kiln.http().get('/metrics')).text);
  const scrapeWorker = async () => parseExposition((await get(`${workerMetricsUrl}/metrics`)).body);

  it('counts jobs of three languages with mixed verdicts, exactly', async () => {
    const jobs = [
      { language: 'python', code: 'print(1)' },
      { language: 'python', code: 'print(2)' },
      { language: 'python', code: 'while True: pass', limits: { timeoutMs: 300 } },
      { language: 'bash', code: 'exit 3' },
      { language: 'c', code: 'int main(void) { return 0 }' },
      { language: 'c', code: 'int main(void) { return 0; }' },
    ];
    const verdicts = (await Promise.all(jobs.map((job) => kiln.http().post('/execute').send(job)))).map((r) => r.body.verdict);
    expect(verdicts).toEqual(['OK', 'OK', 'TIMEOUT', 'RUNTIME_ERROR', 'COMPILE_ERROR', 'OK']);

    const coordinator = await scrapeCoordinator();
    expect(total(coordinator, 'kiln_jobs_submitted_total')).toBe(6);
    expect(total(coordinator, 'kiln_jobs_finished_total', { language: 'python', state: 'COMPLETED', verdict: 'OK' })).toBe(2);
    expect(total(coordinator, 'kiln_jobs_finished_total', { language: 'python', verdict: 'TIMEOUT' })).toBe(1);
    expect(total(coordinator, 'kiln_jobs_finished_total', { language: 'bash', verdict: 'RUNTIME_ERROR' })).toBe(1);
    expect(total(coordinator, 'kiln_jobs_finished_total', { language: 'c', verdict: 'COMPILE_ERROR' })).toBe(1);
    expect(total(coordinator, 'kiln_jobs_finished_total', { language: 'c', verdict: 'OK' })).toBe(1);
    expect(total(coordinator, 'kiln_job_duration_seconds')).toBe(6);
    expect(total(coordinator, 'kiln_queue_tasks', { queue: 'default', state: 'failed' })).toBe(0);
    expect(total(coordinator, 'kiln_process_cpu_seconds_total')).toBeGreaterThan(0);

    // A task is counted just after its report: wait for all seven. Jobs that ended by their tasks leave no
    // sandbox behind, so none of the six needs a cleanup task.
    const worker = await eventually(scrapeWorker, (families) => total(families, 'kiln_tasks_total', { outcome: 'completed' }) === 7);
    expect(total(worker, 'kiln_tasks_total', { kind: 'compile', outcome: 'completed' })).toBe(2);
    expect(total(worker, 'kiln_tasks_total', { kind: 'run', outcome: 'completed' })).toBe(5);
    expect(total(worker, 'kiln_tasks_total', { kind: 'cleanup' })).toBe(0);
    expect(total(worker, 'kiln_tasks_total', { outcome: 'failed' })).toBe(0);
    expect(total(worker, 'kiln_execution_duration_seconds', { step: 'compile' })).toBe(2);
    expect(total(worker, 'kiln_execution_duration_seconds', { step: 'run', language: 'python' })).toBe(3);
    expect(total(worker, 'kiln_execution_duration_seconds', { step: 'run', verdict: 'TIMEOUT' })).toBe(1);
    expect(total(worker, 'kiln_task_queue_wait_seconds')).toBe(7);
    expect(total(worker, 'kiln_container_operation_duration_seconds', { operation: 'create' })).toBe(7);
    expect(total(worker, 'kiln_tasks_in_flight')).toBe(0);
    expect(total(worker, 'kiln_output_bytes_total', { stream: 'stdout' })).toBeGreaterThanOrEqual(4);
    const histogram = worker.find((f) => f.name === 'kiln_execution_duration_seconds')!;
    expect(histogram.type).toBe('histogram');
    const bounds = new Set(histogram.samples.filter((s) => s.name.endsWith('_bucket')).map((s) => s.labels.le));
    expect([...bounds]).toEqual(expect.arrayContaining(['0.01', '60', '+Inf']));
  });

  it('serves the worker’s health on the same small port, with its sandbox tier and why, and nothing else there', async () => {
    const health = await get(`${workerMetricsUrl}/health`);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok', sandbox: { mode: 'container', setting: 'container', reason: 'sandbox.mode is container: a fresh container per task' } });
    expect((await get(`${workerMetricsUrl}/execute`)).status).toBe(404);
  });

  it('every label set stays low-cardinality: no job id anywhere', async () => {
    const job = await kiln.http().post('/execute').send({ language: 'python', code: 'print(3)' });
    const exposed = (await kiln.http().get('/metrics')).text + (await get(`${workerMetricsUrl}/metrics`)).body;
    expect(exposed).not.toContain(job.body.id);
  });
});

describe('metrics switched off', () => {
  it('removes the coordinator’s /metrics (404) and the worker’s port', async () => {
    const kiln = await startKiln({ env: { KILN_COORDINATOR__API__ENDPOINTS__METRICS: 'false', KILN_TELEMETRY__METRICS__WORKER_ENABLED: 'false' } });
    try {
      expect((await kiln.http().get('/metrics')).status).toBe(404);
      expect(kiln.worker!.get(WorkerMetricsServer).port).toBe(0);
    } finally {
      await kiln.close();
    }
  });
});
