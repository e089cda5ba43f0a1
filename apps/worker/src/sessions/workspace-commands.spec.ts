import { clearForUploadExec, listExec, parseHead, parseListing, readExec, removeExec } from './workspace-commands';

describe('workspace commands: find walks only down a path’s own ancestors', () => {
  it('prunes everything but the ancestors, and acts on the path alone', () => {
    expect(readExec('a/b/c.txt', 100).argv).toEqual([
      'find', '.', '-mindepth', '1',
      '(', '-path', './a/b/c.txt', '-printf', '%y %s\\n', '(', '-type', 'f', '-exec', 'cat', '--', '{}', ';', '-o', '-true', ')', '-prune', ')',
      '-o', '(', '-path', './a', '-o', '-path', './a/b', ')', '-o', '-prune',
    ]);
    expect(removeExec('top').argv).toEqual(['find', '.', '-mindepth', '1', '(', '-path', './top', '-printf', '%y\\n', '-exec', 'rm', '-rf', '--', '{}', ';', '-prune', ')', '-o', '-prune']);
    expect(clearForUploadExec('x/y').argv).toContain('-f');
    expect(readExec('x', 100).outputBytes).toBe(164);
  });

  it('lists the workspace at depth 1, or a directory reached through its ancestors', () => {
    expect(listExec('', 1000).argv).toEqual(['find', '.', '-mindepth', '1', '-maxdepth', '1', '-printf', '%y %s %T@ %P\\0']);
    const argv = listExec('a/b', 1000).argv;
    expect(argv.slice(0, 12)).toEqual(['find', '.', '-mindepth', '1', '(', '-path', './a/b', '-type', 'd', '-printf', 'D\\0', ')']);
    expect(argv).toContain('./a/b/*');
  });

  it('reads a head line, and nothing when find printed nothing', () => {
    expect(parseHead(Buffer.from('f 3\nabc'))).toEqual({ type: 'f', size: 3, rest: Buffer.from('abc') });
    expect(parseHead(Buffer.from(''))).toBeNull();
  });

  it('reads a listing: its entries, a cut last entry left out, a missing directory told from an empty one', () => {
    const out = Buffer.from('D\0f 12 1700000000.5 a/b/x y.txt\0d 60 1700000001 a/b/sub\0l 7 1700000002 a/b/link\0p 0 1700000003 a/b/fifo\0f 1 17');
    expect(parseListing(out, 'a/b')).toEqual({
      found: true,
      entries: [
        { name: 'x y.txt', path: 'a/b/x y.txt', type: 'file', size: 12, modified: '2023-11-14T22:13:20.500Z' },
        { name: 'sub', path: 'a/b/sub', type: 'directory', size: 60, modified: '2023-11-14T22:13:21.000Z' },
        { name: 'link', path: 'a/b/link', type: 'symlink', size: 7, modified: '2023-11-14T22:13:22.000Z' },
        { name: 'fifo', path: 'a/b/fifo', type: 'other', size: 0, modified: '2023-11-14T22:13:23.000Z' },
      ],
    });
    expect(parseListing(Buffer.from(''), 'a/b')).toEqual({ found: false, entries: [] });
    expect(parseListing(Buffer.from('D\0'), 'a/b')).toEqual({ found: true, entries: [] });
    expect(parseListing(Buffer.from(''), '')).toEqual({ found: true, entries: [] });
  });
});
