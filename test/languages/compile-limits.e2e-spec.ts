import { useKiln } from '../support/kiln-suite';

/** Constant evaluation that gcc would grind through for minutes. */
const SLOW_TO_COMPILE = `constexpr long spin() {
  long sum = 0;
  for (long i = 0; i < 200000; i++)
    for (long j = 0; j < 200000; j++) sum += i ^ j;
  return sum;
}
static_assert(spin() != 1);
int main() {}`;

/** Each macro doubles the last: the preprocessor's output grows to 2^26 tokens. */
const HUGE_TO_COMPILE = [
  '#define A0 x',
  ...Array.from({ length: 26 }, (_, n) => `#define A${n + 1} A${n} A${n}`),
  'int main(void) { A26; }',
].join('\n');

/** Issue 5: compile steps have their own time and memory limits, with their own verdicts. */
describe('compile limits', () => {
  const suite = useKiln();

  const runTask = (body: { tasks: { id: string; state: string }[] }) => body.tasks.find((task) => task.id === 'run');

  it('stops a compile at compileTimeoutMs: compile TIMEOUT, job COMPILE_ERROR, nothing runs', async () => {
    const started = Date.now();
    const response = await suite.execute({ language: 'cpp', code: SLOW_TO_COMPILE, limits: { compileTimeoutMs: 2000, timeoutMs: 30000 } });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(response.body).toMatchObject({ verdict: 'COMPILE_ERROR', compile: { verdict: 'TIMEOUT' }, run: null });
    expect(response.body.compile.stderr).toMatch(/kiln: the compiler was stopped at its time limit, 2000 ms \(limits\.compileTimeoutMs\)$/);
    expect(runTask(response.body)?.state).toBe('SKIPPED');
  });

  it('holds a compile to compileMemoryMb, whatever the run’s memory limit: compile MEMORY_LIMIT', async () => {
    const response = await suite.execute({ language: 'c', code: HUGE_TO_COMPILE, limits: { compileMemoryMb: 128, memoryMb: 1024 } });
    expect(response.body).toMatchObject({ verdict: 'COMPILE_ERROR', compile: { verdict: 'MEMORY_LIMIT' }, run: null });
    expect(response.body.compile.stderr).toMatch(/kiln: the compiler was stopped at its memory limit, 128 MB \(limits\.compileMemoryMb\)$/);
  });

  it('refuses compile limits above their maxima, naming them', async () => {
    const response = await suite.execute({ language: 'c', code: 'int main(void){}', limits: { compileTimeoutMs: 600000, compileMemoryMb: 99999 } });
    expect(response.status).toBe(400);
    expect(response.body.details.map((detail: { field: string }) => detail.field)).toEqual(['limits.compileTimeoutMs', 'limits.compileMemoryMb']);
  });
});
