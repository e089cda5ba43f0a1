import { RegisteredRoute, RouteTable } from './route-table';

const EXPRESS_DEFAULTS = { caseSensitive: false, strict: false };

const ROUTES: RegisteredRoute[] = [
  { path: '/jobs', methods: ['post'] },
  { path: '/jobs/:id', methods: ['get', 'head'] },
  { path: '/jobs/:id/cancel', methods: ['put'] },
  { path: '/sessions/:id/files/*path', methods: ['get', 'head'] },
  { path: '/sessions/:id/files/*path', methods: ['put'] },
  { path: '/sessions/:id/files/*path', methods: ['delete'] },
  { path: '/judge0/submissions/batch', methods: ['get', 'head'] },
  { path: '/judge0/submissions/batch', methods: ['post'] },
  { path: '/judge0/submissions/:token', methods: ['get', 'head'] },
  { path: '/snippets/:id.json', methods: ['get'] },
  { path: '/', methods: ['get', 'head'] },
];

describe('RouteTable', () => {
  const table = new RouteTable(ROUTES, EXPRESS_DEFAULTS);

  it.each([
    ['/jobs/abc/cancel', ['PUT']],
    ['/jobs/abc', ['GET', 'HEAD']],
    ['/jobs', ['POST']],
    ['/', ['GET', 'HEAD']],
    // A path's methods from every route of it, in one order.
    ['/sessions/s1/files/a/b.txt', ['GET', 'HEAD', 'PUT', 'DELETE']],
    // And from every pattern it matches: "batch" is also a :token.
    ['/judge0/submissions/batch', ['GET', 'HEAD', 'POST']],
    ['/judge0/submissions/t1', ['GET', 'HEAD']],
    ['/snippets/s1.json', ['GET']],
  ])('%s has routes for %j', (path, methods) => {
    expect(table.methodsOf(path)).toEqual(methods);
  });

  it.each([
    '/nowhere',
    '/jobs/abc/cancel/more',
    '/jobs//cancel',
    '/jobs/abc/cancel//',
    '/sessions/s1/files/',
    '/snippets/s1xjson',
    '/jobsx',
    '',
  ])('%j has none', (path) => {
    expect(table.methodsOf(path)).toEqual([]);
  });

  it('matches as Express does by default: any case, one trailing slash', () => {
    expect(table.methodsOf('/JOBS/abc/Cancel')).toEqual(['PUT']);
    expect(table.methodsOf('/jobs/abc/cancel/')).toEqual(['PUT']);
  });

  it('follows case-sensitive and strict routing when the app turns them on', () => {
    const strict = new RouteTable(ROUTES, { caseSensitive: true, strict: true });
    expect(strict.methodsOf('/jobs/abc/cancel')).toEqual(['PUT']);
    expect(strict.methodsOf('/JOBS/abc/cancel')).toEqual([]);
    expect(strict.methodsOf('/jobs/abc/cancel/')).toEqual([]);
  });

  it('names methods outside the usual six after them, in alphabetical order', () => {
    const odd = new RouteTable([{ path: '/x', methods: ['search', 'delete', 'propfind', 'get'] }], EXPRESS_DEFAULTS);
    expect(odd.methodsOf('/x')).toEqual(['GET', 'DELETE', 'PROPFIND', 'SEARCH']);
  });

  it.each([['/files{/:name}'], ['/files/:"quoted name"'], ['/a\\:b'], ['/files/:'], ['/files/*'], ['/files/(.*)'], ['/files/:name?']])(
    'refuses %s, which it would not match as Express does',
    (path) => {
      expect(() => new RouteTable([{ path, methods: ['get'] }], EXPRESS_DEFAULTS)).toThrow(path);
    },
  );
});
