import { JobRecord } from './job';
import { TestSummary } from './stage-result';

/**
 * Every test's result in request order, gathered from the job's run tasks
 * (each reports the tests of its batch); null for a test that has not run.
 */
export function testResultsOf(job: JobRecord): (TestSummary | null)[] {
  const results: (TestSummary | null)[] = Array.from({ length: job.meta.testCount ?? 0 }, () => null);
  for (const plan of job.meta.plan) {
    for (const result of job.tasks[plan.id]?.tests ?? []) {
      if (plan.tests?.includes(result.index)) results[result.index] = result;
    }
  }
  return results;
}
