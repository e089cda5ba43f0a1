import { MAX_SKIPPED_LISTED } from '@kiln/tasks';
import { CollectedFile, encodeFileFrame } from '../agent/agent-frames';
import { AgentSkips, keptWorkspace, shownPath } from './collected-workspace';

const file = (name: string | Buffer, content = 'x'): CollectedFile => ({
  name: typeof name === 'string' ? Buffer.from(name) : name,
  mode: 0o644,
  content: Buffer.from(content),
});
/** What the agent named as skipped (N frames), all it skipped. */
const named = (...entries: [string, string | Buffer][]): AgentSkips => ({
  entries: entries.map(([reason, path]) => ({ reason, path: typeof path === 'string' ? Buffer.from(path) : path })),
  count: entries.length,
});
const none = named();

describe('keptWorkspace', () => {
  it('keeps valid, unique names as they are', () => {
    const kept = keptWorkspace([file('main'), file('lib/util.o'), file('-rf'), file(' new\nline')], none);
    expect(kept.files.map((f) => f.name)).toEqual(['main', 'lib/util.o', '-rf', ' new\nline']);
    expect(kept.skipped).toBeUndefined();
  });

  it('skips names the next sandbox could not be given, never throwing', () => {
    const long = `${'d'.repeat(200)}/${'f'.repeat(60)}`;
    const kept = keptWorkspace([file('main'), file(long), file(Buffer.from([0x62, 0xff])), file('main'), file('main/inside'), file('/abs'), file('a/../b')], none);
    expect(kept.files.map((f) => f.name)).toEqual(['main']);
    expect(kept.skipped).toEqual({
      entries: [
        { path: long, reason: 'path_too_long' },
        { path: 'b\\xff', reason: 'not_utf8' },
        { path: 'main', reason: 'invalid_name' },
        { path: 'main/inside', reason: 'invalid_name' },
        { path: '/abs', reason: 'invalid_name' },
        { path: 'a/../b', reason: 'invalid_name' },
      ],
      truncated: false,
    });
  });

  it('refuses a file where another file made a directory, in either order', () => {
    expect(keptWorkspace([file('a/b'), file('a')], none).skipped?.entries).toEqual([{ path: 'a', reason: 'invalid_name' }]);
    expect(keptWorkspace([file('a'), file('a/b')], none).skipped?.entries).toEqual([{ path: 'a/b', reason: 'invalid_name' }]);
  });

  it('names what the agent skipped, with its reasons', () => {
    const kept = keptWorkspace(
      [file('main')],
      named(['symlink', 'passwd'], ['fifo', 'f'], ['not_utf8', Buffer.from([0xfe])], ['too_deep', 'd/d'], ['path_too_long', 'p'.repeat(256)], ['empty_directory', 'e']),
    );
    expect(kept.files.map((f) => f.name)).toEqual(['main']);
    expect(kept.skipped).toEqual({
      entries: [
        { path: 'passwd', reason: 'symlink' },
        { path: 'f', reason: 'fifo' },
        { path: '\\xfe', reason: 'not_utf8' },
        { path: 'd/d', reason: 'too_deep' },
        { path: 'p'.repeat(256), reason: 'path_too_long' },
        { path: 'e', reason: 'empty_directory' },
      ],
      truncated: false,
    });
  });

  it('shows a reason it does not know (a newer agent’s) as invalid_name', () => {
    expect(keptWorkspace([], named(['whiteout', 'w'], ['constructor', 'c'])).skipped?.entries).toEqual([
      { path: 'w', reason: 'invalid_name' },
      { path: 'c', reason: 'invalid_name' },
    ]);
  });

  it(`lists at most ${MAX_SKIPPED_LISTED} and says when there were more, named or not`, () => {
    const many = named(...Array.from({ length: MAX_SKIPPED_LISTED + 1 }, (_, i) => ['symlink', `l${i}`] as [string, string]));
    expect(keptWorkspace([], many).skipped).toMatchObject({ truncated: true });
    expect(keptWorkspace([], many).skipped?.entries).toHaveLength(MAX_SKIPPED_LISTED);
    // The agent named one of the 6001 it skipped.
    expect(keptWorkspace([], { ...named(['symlink', 'l']), count: 6001 }).skipped).toEqual({ entries: [{ path: 'l', reason: 'symlink' }], truncated: true });
    expect(keptWorkspace([], { entries: [], count: 3 }).skipped).toEqual({ entries: [], truncated: true });
    // The worker's own skips count too.
    const agentFull = named(...Array.from({ length: MAX_SKIPPED_LISTED }, (_, i) => ['fifo', `f${i}`] as [string, string]));
    expect(keptWorkspace([file(Buffer.from([0xff]))], agentFull).skipped).toMatchObject({ truncated: true });
  });
});

describe('keptWorkspace on random names', () => {
  it('keeps only files the next sandbox accepts, each once, and names every other one', () => {
    let state = 7;
    const random = (below: number) => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state % below;
    };
    const alphabet = [0x61, 0x62, 0x2f, 0x2e, 0x00, 0xff, 0xc3, 0xa9, 0x0a, 0x5c, 0x2d];
    for (let round = 0; round < 200; round++) {
      const collected = Array.from({ length: 1 + random(20) }, () =>
        file(Buffer.from(Array.from({ length: random(2) ? random(8) : 200 + random(120) }, () => alphabet[random(alphabet.length)]))),
      );
      const kept = keptWorkspace(collected, none);
      // What the artifact store does with them: it throws on any name the agent would refuse.
      for (const f of kept.files) encodeFileFrame(f.name, f.content, f.mode);
      expect(new Set(kept.files.map((f) => f.name)).size).toBe(kept.files.length);
      const named = new Set([...kept.files.map((f) => shownPath(Buffer.from(f.name))), ...(kept.skipped?.entries ?? []).map((e) => e.path)]);
      const missing = collected.map((f) => shownPath(f.name)).filter((name) => !named.has(name));
      expect(missing).toEqual([]);
    }
  });
});

describe('shownPath', () => {
  it('shows valid UTF-8 as it is and escapes other bytes, control characters and backslashes', () => {
    expect(shownPath(Buffer.from('dir/café-日本.txt'))).toBe('dir/café-日本.txt');
    expect(shownPath(Buffer.from([0x61, 0xff, 0xc3, 0x0a, 0x5c, 0x7f]))).toBe('a\\xff\\xc3\\x0a\\x5c\\x7f');
    // An overlong encoding and a lone surrogate are not valid UTF-8.
    expect(shownPath(Buffer.from([0xc0, 0xaf, 0xed, 0xa0, 0x80]))).toBe('\\xc0\\xaf\\xed\\xa0\\x80');
  });

  it('cuts a very long path and says so', () => {
    const shown = shownPath(Buffer.from('x'.repeat(5000)));
    expect(shown).toBe(`${'x'.repeat(300)}…`);
    expect(shownPath(Buffer.from('x'.repeat(300)))).toBe('x'.repeat(300));
  });
});
