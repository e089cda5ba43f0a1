import { parseExposition, total } from '../support/prometheus-text';

/** The exposition parser the metrics tests rely on must refuse what Prometheus refuses. */
describe('parseExposition', () => {
  const valid = [
    '# HELP jobs_total Jobs.',
    '# TYPE jobs_total counter',
    'jobs_total{language="c",verdict="OK"} 2',
    'jobs_total{language="say \\"hi\\"",verdict="OK"} 1 1700000000000',
    '# TYPE latency_seconds histogram',
    'latency_seconds_bucket{le="0.1",step="run"} 1',
    'latency_seconds_bucket{le="+Inf",step="run"} 3',
    'latency_seconds_sum{step="run"} 0.9',
    'latency_seconds_count{step="run"} 3',
  ].join('\n');

  it('reads counters, escaped labels and histograms', () => {
    const families = parseExposition(valid);
    expect(total(families, 'jobs_total')).toBe(3);
    expect(total(families, 'jobs_total', { language: 'say "hi"' })).toBe(1);
    expect(total(families, 'latency_seconds', { step: 'run' })).toBe(3);
  });

  it.each([
    ['a sample without # TYPE', 'orphan_total 1'],
    ['an unquoted label value', '# TYPE x counter\nx{a=1} 1'],
    ['an invalid label name', '# TYPE x counter\nx{1a="v"} 1'],
    ['a non-numeric value', '# TYPE x gauge\nx twelve'],
    ['trailing garbage', '# TYPE x gauge\nx 1 2 3'],
    ['a histogram without +Inf', '# TYPE h histogram\nh_bucket{le="1"} 1\nh_count 1'],
    ['buckets that decrease', '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_count 1'],
    ['+Inf different from _count', '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_count 3'],
  ])('refuses %s', (_what, text) => {
    expect(() => parseExposition(text)).toThrow();
  });
});
