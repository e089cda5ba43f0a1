import { randomBytes } from 'node:crypto';
import { WorkerMetrics } from '../../apps/worker/src/metrics/worker-metrics';
import { Harness, startKiln } from '../support/kiln-harness';

/** A C program no other test (or earlier run) compiled: the cache starts cold for it. */
const uniqueProgram = (text: string) =>
  `#include <stdio.h>\n/* ${randomBytes(8).toString('hex')} */\nint main(void){ puts("${text}"); return 0; }\n`;

/** Issue 4: identical compilations reuse the stored artifact; a repeated C submission skips the compiler. */
describe('compile cache', () => {
  let kiln: Harness;

  /** Sandboxes the worker lent so far, every image together (its pool checkout counter). */
  const checkouts = async () => {
    const { values } = await kiln.worker!.get(WorkerMetrics).registry.getSingleMetric('kiln_pool_checkouts_total')!.get();
    return values.reduce((sum, v) => sum + v.value, 0);
  };
  /** POST /execute, with the number of sandboxes the job was lent (this suite's worker runs one request at a time). */
  const execute = async (body: object) => {
    const before = await checkouts();
    const answer = await kiln.http().post('/execute').send(body);
    return Object.assign(answer, { sandboxes: (await checkouts()) - before });
  };

  beforeAll(async () => {
    kiln = await startKiln({ env: { KILN_WORKER__COMPILE_CACHE__MAX_ENTRIES: '3', KILN_WORKER__COMPILE_CACHE__TTL_SECONDS: '120' } });
  });

  afterAll(async () => {
    await kiln?.close();
  });

  it('runs a repeated C submission without compiling it again: no compile sandbox, same compile result', async () => {
    const code = uniqueProgram('cached');
    const first = await execute({ language: 'c', code });
    expect(first.body).toMatchObject({ verdict: 'OK', run: { stdout: 'cached\n' } });
    expect(first.body.compile.cached).toBeUndefined();
    expect(first.sandboxes).toBe(2);

    const second = await execute({ language: 'c', code });
    expect(second.body).toMatchObject({ verdict: 'OK', run: { stdout: 'cached\n' } });
    expect(second.body.compile).toEqual({ ...first.body.compile, cached: true });
    expect(second.sandboxes).toBe(1);
  });

  it('compiles again when the source, the files or the language differ', async () => {
    const code = uniqueProgram('variant');
    await execute({ language: 'c', code });
    const changed = await execute({ language: 'c', code: code.replace('variant', 'changed') });
    expect(changed.body.run.stdout).toBe('changed\n');
    const withFile = await execute({ language: 'c', files: [{ name: 'main.c', content: code }, { name: 'extra.h', content: '' }] });
    const asCpp = await execute({ language: 'cpp', code });
    for (const answer of [changed, withFile, asCpp]) {
      expect(answer.body.verdict).toBe('OK');
      expect(answer.body.compile.cached).toBeUndefined();
      expect(answer.sandboxes).toBe(2);
    }
  });

  it('compiles again under other compile limits: an outcome is never served to a request with other limits', async () => {
    const code = uniqueProgram('limits');
    await execute({ language: 'c', code, limits: { compileMemoryMb: 256 } });
    const same = await execute({ language: 'c', code, limits: { compileMemoryMb: 256 } });
    expect(same.body.compile.cached).toBe(true);
    for (const limits of [{ compileMemoryMb: 1024 }, { compileTimeoutMs: 20000, compileMemoryMb: 256 }, { jobOutputBytes: 65536, compileMemoryMb: 256 }]) {
      const other = await execute({ language: 'c', code, limits });
      expect({ limits, cached: other.body.compile.cached }).toEqual({ limits, cached: undefined });
    }
  });

  it('remembers a compile error, with the compiler’s message', async () => {
    const code = `int main(void) { return 0 } /* ${randomBytes(8).toString('hex')} */`;
    const first = await execute({ language: 'c', code });
    const second = await execute({ language: 'c', code });
    expect(second.body).toMatchObject({ verdict: 'COMPILE_ERROR', run: null, compile: { verdict: 'COMPILE_ERROR', cached: true } });
    expect(second.body.compile.stderr).toBe(first.body.compile.stderr);
    expect(second.sandboxes).toBe(0);
  });

  it('is bounded: past maxEntries the least recently used entry goes, and entries expire', async () => {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(uniqueProgram);
    for (const code of [a, b, c]) await execute({ language: 'c', code });
    expect((await execute({ language: 'c', code: a })).body.compile.cached).toBe(true); // a is now the most recent
    await execute({ language: 'c', code: d }); // evicts b, the least recently used
    expect((await execute({ language: 'c', code: b })).body.compile.cached).toBeUndefined();
    expect((await execute({ language: 'c', code: a })).body.compile.cached).toBe(true);
    const index = `${kiln.prefix}:compile-cache:index`;
    expect(await kiln.redis.zcard(index)).toBe(3);
    const [entry] = await kiln.redis.zrange(index, 0, 0);
    const ttl = await kiln.redis.ttl(`${kiln.prefix}:compile-cache:${entry}:stage`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(120);
  });
});

/** A C program whose compiled artifact takes about `kib` KiB (an initialised array). */
const sizedProgram = (kib: number) =>
  `/* ${randomBytes(8).toString('hex')} */\nchar data[${kib} << 10] = {1};\nint main(void) { return data[0] - 1; }\n`;

describe('compile cache bounded by bytes', () => {
  let kiln: Harness;

  beforeAll(async () => {
    kiln = await startKiln({ env: { KILN_WORKER__COMPILE_CACHE__MAX_MB: '1' } });
  });

  afterAll(async () => {
    await kiln?.close();
  });

  it('keeps stages and artifacts within maxMb, the least recently used going first, and counts them exactly', async () => {
    const programs = [sizedProgram(400), sizedProgram(400), sizedProgram(400)];
    for (const code of programs) expect((await kiln.http().post('/execute').send({ language: 'c', code })).body.verdict).toBe('OK');
    const bytes = Number(await kiln.redis.get(`${kiln.prefix}:compile-cache:bytes`));
    const sizes = await kiln.redis.hgetall(`${kiln.prefix}:compile-cache:sizes`);
    expect(bytes).toBeLessThanOrEqual(1024 * 1024);
    expect(bytes).toBe(Object.values(sizes).reduce((sum, size) => sum + Number(size), 0));
    expect(Object.keys(sizes)).toHaveLength(2);
    // The first went to make room; the last two are answered from the cache.
    const answers = [];
    for (const code of [programs[2], programs[1], programs[0]]) answers.push((await kiln.http().post('/execute').send({ language: 'c', code })).body.compile.cached);
    expect(answers).toEqual([true, true, undefined]);
    const artifacts = await kiln.redis.keys(`${kiln.prefix}:compile-cache:*:artifact`);
    expect(artifacts).toHaveLength(2);
  });
});
