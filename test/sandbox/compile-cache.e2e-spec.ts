import { randomBytes } from 'node:crypto';
import { SandboxFactory } from '../../apps/worker/src/sandbox/sandbox-factory';
import { Harness, startKiln } from '../support/kiln-harness';

/** A C program no other test (or earlier run) compiled: the cache starts cold for it. */
const uniqueProgram = (text: string) =>
  `#include <stdio.h>\n/* ${randomBytes(8).toString('hex')} */\nint main(void){ puts("${text}"); return 0; }\n`;

/** Issue 4: identical compilations reuse the stored artifact; a repeated C submission skips the compiler. */
describe('compile cache', () => {
  let kiln: Harness;
  let sandboxes: SandboxFactory;

  const execute = (body: object) => kiln.http().post('/execute').send(body);

  beforeAll(async () => {
    kiln = await startKiln({ env: { KILN_WORKER__COMPILE_CACHE__MAX_ENTRIES: '3', KILN_WORKER__COMPILE_CACHE__TTL_SECONDS: '120' } });
    sandboxes = kiln.worker!.get(SandboxFactory);
  });

  afterAll(async () => {
    await kiln?.close();
  });

  it('runs a repeated C submission without compiling it again: no compile sandbox, same compile result', async () => {
    const code = uniqueProgram('cached');
    const first = await execute({ language: 'c', code });
    expect(first.body).toMatchObject({ verdict: 'OK', run: { stdout: 'cached\n' } });
    expect(first.body.compile.cached).toBeUndefined();
    expect(sandboxes.leasesOf(first.body.id)).toBe(2);

    const second = await execute({ language: 'c', code });
    expect(second.body).toMatchObject({ verdict: 'OK', run: { stdout: 'cached\n' } });
    expect(second.body.compile).toEqual({ ...first.body.compile, cached: true });
    expect(sandboxes.leasesOf(second.body.id)).toBe(1);
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
      expect(sandboxes.leasesOf(answer.body.id)).toBe(2);
    }
  });

  it('remembers a compile error, with the compiler’s message', async () => {
    const code = `int main(void) { return 0 } /* ${randomBytes(8).toString('hex')} */`;
    const first = await execute({ language: 'c', code });
    const second = await execute({ language: 'c', code });
    expect(second.body).toMatchObject({ verdict: 'COMPILE_ERROR', run: null, compile: { verdict: 'COMPILE_ERROR', cached: true } });
    expect(second.body.compile.stderr).toBe(first.body.compile.stderr);
    expect(sandboxes.leasesOf(second.body.id)).toBe(0);
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
