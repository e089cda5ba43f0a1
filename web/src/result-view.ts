import type { ApiTestCase, JobView, StageResult, TestResult } from '@kiln/client';
import { byId, element } from './dom';

const STATE_TEXT: Record<string, string> = {
  SUBMITTING: 'Submitting…',
  PENDING: 'Queued…',
  SCHEDULED: 'Queued…',
  RUNNING: 'Running…',
  CANCELLED: 'Cancelled.',
  FAILED: 'Kiln could not run this job.',
};

/** The run's state while it goes, then its verdict, exit code, time, memory and per-test verdicts. */
export class ResultView {
  private readonly status = byId('status');
  private readonly stats = byId('stats');
  private readonly tests = byId('test-results');

  clear(): void {
    this.stats.hidden = true;
    this.tests.hidden = true;
    byId('test-rows').replaceChildren();
  }

  showState(state: string): void {
    this.status.dataset.state = state;
    this.status.textContent = STATE_TEXT[state] ?? state;
  }

  showError(message: string): void {
    this.status.dataset.state = 'ERROR';
    this.status.textContent = message;
  }

  /** The finished job; `expected` are the tests as submitted, to show what a failing test should have printed. */
  showJob(job: JobView, expected: ApiTestCase[]): void {
    this.status.dataset.state = job.state;
    this.status.textContent = job.state === 'COMPLETED' ? `Finished: ${job.verdict}` : `${STATE_TEXT[job.state] ?? job.state}${job.error ? ` ${job.error}` : ''}`;
    this.showStats(job);
    if (job.tests.length) this.showTests(job.tests, expected);
  }

  /** The run's figures; with tests, the slowest time and the largest memory of any test (each test has its row). */
  private showStats(job: JobView): void {
    const ran = job.tests.filter((test): test is TestResult => 'stdout' in test);
    const stage = job.run ?? (job.verdict === 'COMPILE_ERROR' ? job.compile : null);
    const verdict = byId('verdict');
    verdict.textContent = job.verdict ?? job.state;
    verdict.dataset.verdict = job.verdict ?? job.state;
    byId('exit-code').textContent = stage ? exitText(stage) : '—';
    byId('time').textContent = stage ? `${stage.wallTimeMs} ms` : ran.length ? `${largest(ran, 'wallTimeMs')} ms (slowest test)` : '—';
    byId('cpu').textContent = stage ? `${stage.cpuTimeMs} ms` : ran.length ? `${largest(ran, 'cpuTimeMs')} ms (most of a test)` : '—';
    byId('memory').textContent = stage ? mebibytes(stage.memoryBytes) : ran.length ? `${mebibytes(largest(ran, 'memoryBytes'))} (most of a test)` : '—';
    this.stats.hidden = false;
  }

  private showTests(results: JobView['tests'], expected: ApiTestCase[]): void {
    const rows = byId('test-rows');
    const passed = results.filter((r) => r.verdict === 'OK').length;
    byId('tests-summary').textContent = `${passed} of ${results.length} tests passed`;
    for (const result of results) {
      const row = element('tr');
      row.dataset.test = String(result.index);
      const ran = 'stdout' in result ? (result as TestResult) : null;
      const verdict = element('td', result.verdict ?? 'not run', 'verdict');
      verdict.dataset.verdict = result.verdict ?? 'NONE';
      row.append(element('th', `Test ${result.index + 1}`), verdict, element('td', ran ? exitText(ran) : '—'), element('td', ran ? `${ran.wallTimeMs} ms` : '—'), element('td', ran ? mebibytes(ran.memoryBytes) : '—'));
      row.firstElementChild!.setAttribute('scope', 'row');
      rows.append(row);
      const want = expected[result.index]?.expected;
      if (ran && result.verdict === 'WRONG_ANSWER' && want !== undefined) rows.append(differenceRow(want, ran.stdout));
    }
    this.tests.hidden = false;
  }
}

function differenceRow(expected: string, got: string): HTMLTableRowElement {
  const row = element('tr', '', 'difference');
  const cell = element('td');
  cell.colSpan = 5;
  cell.append('expected ', element('code', expected), ', got ', element('code', got));
  row.append(cell);
  return row;
}

function largest(results: TestResult[], field: 'wallTimeMs' | 'cpuTimeMs' | 'memoryBytes'): number {
  return Math.max(...results.map((result) => result[field]));
}

function exitText(stage: StageResult): string {
  if (stage.signal) return stage.signal;
  return stage.exitCode === null ? '—' : String(stage.exitCode);
}

function mebibytes(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}
