import { randomBytes } from 'node:crypto';
import { OutputEncoding, renderStage, Verdict } from '@kiln/tasks';
import { OutputRecorder, RecorderOptions } from './output-recorder';

type Chunk = ['stdout' | 'stderr', Buffer];

function record(chunks: Chunk[], options: Partial<RecorderOptions> = {}) {
  const kept: Chunk[] = [];
  const recorder = new OutputRecorder({
    encoding: 'utf8',
    combined: false,
    share: Number.MAX_SAFE_INTEGER,
    onKept: (stream, chunk) => kept.push([stream, chunk]),
    ...options,
  });
  for (const [stream, chunk] of chunks) recorder.listener(stream, chunk);
  return { recorded: recorder.finish(), kept };
}

/** The JSON bytes of a stage's output as the answer renders it. */
function renderedBytes(output: ReturnType<typeof record>['recorded']): number {
  const summary = { exitCode: 0, signal: null, verdict: Verdict.OK, wallTimeMs: 0, cpuTimeMs: 0, memoryBytes: 0, truncated: false };
  const stage = renderStage({ ...summary, ...(output.encoding === 'base64' ? { encoding: 'base64' as const } : {}) }, output.output);
  return ['stdout', 'stderr', 'output'].reduce((sum, key) => sum + (key in stage ? Buffer.byteLength(JSON.stringify(stage[key as 'stdout'])) - 2 : 0), 0);
}

/** Random bytes (valid UTF-8 or not) cut into random chunks on random streams. */
function randomChunks(seed: number, count: number): Chunk[] {
  const chunks: Chunk[] = [];
  const utf8 = Buffer.from('aé€😀\n"\u0001', 'utf8');
  for (let i = 0; i < count; i++) {
    const raw = (seed + i) % 3 === 0 ? randomBytes(1 + ((seed * 7 + i) % 40)) : utf8.subarray((seed + i) % 5, utf8.length - (i % 4));
    chunks.push([(seed + i) % 4 === 0 ? 'stderr' : 'stdout', raw]);
  }
  return chunks;
}

const joined = (chunks: Chunk[], stream: string) => Buffer.concat(chunks.filter(([s]) => s === stream).map(([, c]) => c));

describe('OutputRecorder', () => {
  it.each([1, 2, 3])('within its share, keeps exactly what Buffer#toString makes of each stream (seed %i)', (seed) => {
    const chunks = randomChunks(seed, 60);
    const { recorded } = record(chunks, { combined: true });
    expect(recorded.truncated).toBe(false);
    expect(recorded.output.stdout).toBe(joined(chunks, 'stdout').toString('utf8'));
    expect(recorded.output.stderr).toBe(joined(chunks, 'stderr').toString('utf8'));
    expect(renderedBytes(recorded)).toBeLessThanOrEqual(recorded.budgetUsed);
  });

  it('keeps the order of the streams as the interleaving, once', () => {
    const { recorded } = record(
      [['stdout', Buffer.from('a')], ['stdout', Buffer.from('b')], ['stderr', Buffer.from('E')], ['stdout', Buffer.from('c')]],
      { combined: true },
    );
    expect(recorded.output).toEqual({ stdout: 'abc', stderr: 'E', interleaving: [2, -1, 1] });
  });

  it.each<[OutputEncoding, boolean]>([
    ['utf8', false],
    ['utf8', true],
    ['base64', false],
    ['base64', true],
  ])('never renders more than its share (%s, combined %s), and says it cut', (encoding, combined) => {
    for (const share of [0, 1, 7, 100, 4096]) {
      const flood: Chunk[] = Array.from({ length: 20 }, (_, i) => [i % 3 ? 'stdout' : 'stderr', Buffer.alloc(1000, 1)]);
      const { recorded, kept } = record([...flood, ...randomChunks(share, 20)], { encoding, combined, share });
      expect(recorded.truncated).toBe(true);
      expect(recorded.budgetUsed).toBeLessThanOrEqual(share);
      expect(renderedBytes(recorded)).toBeLessThanOrEqual(share);
      // What is streamed live is what is kept.
      const keptOut = joined(kept, 'stdout');
      const stdout = encoding === 'base64' ? Buffer.from(recorded.output.stdout, 'base64') : Buffer.from(recorded.output.stdout, 'utf8');
      expect(keptOut).toEqual(stdout);
    }
  });

  it('fills its share: \\x01 renders as six bytes, so a share of 600 keeps 100 of them', () => {
    const { recorded } = record([['stdout', Buffer.alloc(4096, 1)]], { share: 600 });
    expect(recorded.output.stdout).toBe('\u0001'.repeat(100));
    expect(recorded).toMatchObject({ truncated: true, budgetUsed: 600 });
  });

  it('caps the agent at what the share could hold', () => {
    expect(new OutputRecorder({ encoding: 'utf8', combined: true, share: 1000 }).agentCap(65536)).toBe(500);
    expect(new OutputRecorder({ encoding: 'utf8', combined: false, share: 1 << 20 }).agentCap(65536)).toBe(65536);
  });
});
