import { MAX_SKIPPED_LISTED } from '@kiln/tasks';
import { CollectedFile, encodeFileFrame } from '../agent/agent-frames';
import { LISTING_BYTES, parseListing } from './collect-step';
import { keptWorkspace, shownPath } from './collected-workspace';

const file = (name: string | Buffer, content = 'x'): CollectedFile => ({
  name: typeof name === 'string' ? Buffer.from(name) : name,
  mode: 0o644,
  content: Buffer.from(content),
});
const listing = (...records: [string, string | Buffer][]) =>
  parseListing(Buffer.concat(records.flatMap(([kind, path]) => [Buffer.from(`${kind}\0`), Buffer.from(path), Buffer.from([0])])));
const none = parseListing(Buffer.alloc(0));

describe('parseListing', () => {
  it('reads kind\\0path\\0 records, paths as bytes (newlines and all)', () => {
    const bytes = Buffer.from('symlink\0a\nb\0fifo\0p\0');
    expect(parseListing(bytes)).toEqual({
      entries: [
        { kind: 'symlink', path: Buffer.from('a\nb') },
        { kind: 'fifo', path: Buffer.from('p') },
      ],
      truncated: false,
    });
  });

  it('drops a record the size limit cut, and says the listing is incomplete', () => {
    const full = Buffer.alloc(LISTING_BYTES, 'x');
    Buffer.from('symlink\0first\0fifo\0cut-of').copy(full);
    expect(parseListing(full)).toEqual({ entries: [{ kind: 'symlink', path: Buffer.from('first') }], truncated: true });
  });
});

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

  it('names what the collect step listed; a non-ASCII name only when it is not UTF-8', () => {
    const kept = keptWorkspace(
      [file('main')],
      listing(['symlink', 'passwd'], ['fifo', 'f'], ['non_ascii', 'café'], ['non_ascii', Buffer.from([0xfe])], ['too_deep', 'd/d'], ['unknown_kind', 'x']),
    );
    expect(kept.skipped?.entries).toEqual([
      { path: 'passwd', reason: 'symlink' },
      { path: 'f', reason: 'fifo' },
      { path: '\\xfe', reason: 'not_utf8' },
      { path: 'd/d', reason: 'too_deep' },
    ]);
  });

  it('does not name again what lies inside a skipped directory', () => {
    const dir = Buffer.from([0x64, 0xfe]);
    const inner = Buffer.concat([dir, Buffer.from('/é')]);
    const kept = keptWorkspace([], listing(['non_ascii', dir], ['non_ascii', inner], ['symlink', Buffer.concat([dir, Buffer.from('/l')])]));
    expect(kept.skipped?.entries).toEqual([{ path: 'd\\xfe', reason: 'not_utf8' }]);
  });

  it(`lists at most ${MAX_SKIPPED_LISTED} and says when there were more (or the listing was cut)`, () => {
    const many = Array.from({ length: MAX_SKIPPED_LISTED + 1 }, (_, i) => ['symlink', `l${i}`] as [string, string]);
    expect(keptWorkspace([], listing(...many)).skipped).toMatchObject({ truncated: true });
    expect(keptWorkspace([], listing(...many)).skipped?.entries).toHaveLength(MAX_SKIPPED_LISTED);
    expect(keptWorkspace([], { entries: [], truncated: true }).skipped).toEqual({ entries: [], truncated: true });
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
