import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { WorkerMetricsServer } from '../../apps/worker/src/node/worker-metrics.server';
import { Harness, REPO_ROOT, startKiln } from '../support/kiln-harness';
import { parseExposition } from '../support/prometheus-text';

const HISTOGRAM_SUFFIX = /_(bucket|sum|count)$/;

function body(url: string): Promise<string> {
  return new Promise((resolve, reject) =>
    http.get(url, (response) => {
      let text = '';
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => resolve(text));
    }).on('error', reject),
  );
}

/** Issue 7: every query of the shipped Grafana dashboard names metrics Kiln really exposes. */
describe('deploy/grafana/kiln-dashboard.json', () => {
  let kiln: Harness;

  beforeAll(async () => {
    kiln = await startKiln();
  });

  afterAll(async () => {
    await kiln?.close();
  });

  it('queries only metrics that the coordinator or a worker exposes', async () => {
    const dashboard = JSON.parse(readFileSync(join(REPO_ROOT, 'deploy/grafana/kiln-dashboard.json'), 'utf8'));
    const expressions: string[] = dashboard.panels.flatMap((panel: { targets: { expr: string }[] }) => panel.targets.map((t) => t.expr));
    expect(expressions.length).toBeGreaterThanOrEqual(10);

    const exposed = [
      ...parseExposition((await kiln.http().get('/metrics')).text),
      ...parseExposition(await body(`http://127.0.0.1:${kiln.worker!.get(WorkerMetricsServer).port}/metrics`)),
    ];
    const families = new Map(exposed.map((family) => [family.name, family.type]));
    const exists = (name: string) => families.has(name) || (HISTOGRAM_SUFFIX.test(name) && families.get(name.replace(HISTOGRAM_SUFFIX, '')) === 'histogram');

    const used = new Set(expressions.flatMap((expr) => expr.match(/\bkiln_[a-z0-9_]+\b/g) ?? []));
    expect(used.size).toBeGreaterThanOrEqual(12);
    expect([...used].filter((name) => !exists(name))).toEqual([]);
  });
});
