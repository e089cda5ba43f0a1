import { useKiln } from '../support/kiln-suite';
import { SANDBOX_TIERS, tierEnv } from '../support/tiers';

/** Programs that allocate (and touch) 1 MiB after another, forever. */
const MEMORY_BOMBS: Record<string, string> = {
  javascript: 'const held = [];\nfor (;;) held.push(new Array(1e6).fill(1));',
  typescript: 'const held: number[][] = [];\nfor (;;) held.push(new Array(1e6).fill(1));',
  go: 'package main\n\nfunc main() {\n\tvar held [][]byte\n\tfor {\n\t\tb := make([]byte, 1<<20)\n\t\tfor i := range b {\n\t\t\tb[i] = 1\n\t\t}\n\t\theld = append(held, b)\n\t}\n}',
  rust: 'fn main() { let mut held = Vec::new(); loop { held.push(vec![1u8; 1 << 20]); } }',
  csharp:
    'using System.Collections.Generic;\nclass P { static void Main() { var held = new List<byte[]>(); for (;;) { var b = new byte[1 << 20]; for (int i = 0; i < b.Length; i += 4096) b[i] = 1; held.Add(b); } } }',
  ruby: 'held = []\nloop { held << ("x" * (1 << 20)) }',
  php: '<?php\n$held = [];\nfor (;;) $held[] = str_repeat("x", 1 << 20);',
  perl: 'my @held; push @held, "x" x (1 << 20) while 1;',
  lua: 'local held = {}\nwhile true do held[#held + 1] = string.rep("x", 1 << 20) .. #held end',
};

/**
 * Issue 5: a program that outgrows its memory is MEMORY_LIMIT in every
 * runtime, never a crash of some other name (Java's own OutOfMemoryError is
 * in java.e2e-spec.ts; C and Python in the foundation suite).
 */
describe('memory limit across runtimes', () => {
  const suite = useKiln();

  it.each(Object.keys(MEMORY_BOMBS))('%s: a memory bomb is MEMORY_LIMIT', async (language) => {
    const response = await suite.execute({ language, code: MEMORY_BOMBS[language], limits: { memoryMb: 128 } });
    const { state, verdict, run } = response.body;
    // A miss shows the whole run (exit, signal, memory, stderr): JavaScript's was RUNTIME_ERROR once in CI.
    expect({ state, verdict, run: run?.verdict === 'MEMORY_LIMIT' ? { verdict: run.verdict } : run }).toEqual({ state: 'COMPLETED', verdict: 'MEMORY_LIMIT', run: { verdict: 'MEMORY_LIMIT' } });
  });
});

/** A C malloc bomb and a Python one, touching every page. */
const NATIVE_MEMORY_BOMBS: Record<string, string> = {
  c: '#include <stdlib.h>\n#include <string.h>\nint main(void) { for (;;) { char *b = malloc(1 << 20); if (!b) return 1; memset(b, 1, 1 << 20); } }',
  python: 'held = []\nwhile True:\n    held.append(bytearray(b"x" * (1 << 20)))',
};

/**
 * Issue 15, acceptance 2: the memory bombs are MEMORY_LIMIT in every tier.
 * Under gVisor the host's memory cgroup holds gVisor's kernel with the
 * program and the host's OOM killer ends the whole sandbox; the worker reads
 * why from the engine (apps/worker/src/sandbox/docker/sandbox-death.ts).
 */
describe.each(SANDBOX_TIERS.map((tier) => [tier.name, tier] as const))('memory limit (tier %s)', (_name, tier) => {
  const suite = useKiln({ env: tierEnv(tier) });

  it.each(Object.keys(NATIVE_MEMORY_BOMBS))('%s: a memory bomb is MEMORY_LIMIT, its memoryBytes near the limit', async (language) => {
    const response = await suite.execute({ language, code: NATIVE_MEMORY_BOMBS[language], limits: { memoryMb: 128 } });
    expect(response.body).toMatchObject({ state: 'COMPLETED', verdict: 'MEMORY_LIMIT', run: { verdict: 'MEMORY_LIMIT' } });
    // A peak RSS, which counts the interpreter's mapped files beside what the cgroup charged: near the limit, not at it to the byte.
    expect(response.body.run.memoryBytes).toBeGreaterThanOrEqual(96 * 1024 * 1024);
    expect(response.body.run.memoryBytes).toBeLessThanOrEqual(144 * 1024 * 1024);
  });
});
