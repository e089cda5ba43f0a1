/** A route as the app registered it: a path pattern in Express 5's syntax (`/jobs/:id/cancel`, `/files/*path`) and its methods. */
export interface RegisteredRoute {
  path: string;
  methods: readonly string[];
}

export interface RouteMatching {
  /** Express's `case sensitive routing` (off by default: `/JOBS` is `/jobs`). */
  caseSensitive: boolean;
  /** Express's `strict routing` (off by default: `/jobs/` is `/jobs`). */
  strict: boolean;
}

/** The order the methods are named in (`Allow: GET, HEAD, PUT`); others follow in alphabetical order. */
const METHOD_ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * Which methods a request path has routes for, built once from the
 * registered routes, matching paths as Express 5 matches them: `:name` is
 * one non-empty segment, `*name` the non-empty rest of the path (slashes
 * too), one trailing slash is allowed unless routing is strict. A pattern that uses more of Express's syntax
 * (`{optional}` groups, quoted names, escapes) is refused when the table is
 * built, so a route is never silently left out of it.
 */
export class RouteTable {
  private readonly patterns: { matches: RegExp; methods: Set<string> }[];

  constructor(routes: readonly RegisteredRoute[], matching: RouteMatching) {
    const byPath = new Map<string, Set<string>>();
    for (const { path, methods } of routes) {
      const known = byPath.get(path) ?? new Set<string>();
      methods.forEach((method) => known.add(method.toUpperCase()));
      byPath.set(path, known);
    }
    this.patterns = [...byPath].map(([path, methods]) => ({ matches: patternOf(path, matching), methods }));
  }

  /** The methods that have a route for `path` (a request's URL path, not decoded), in METHOD_ORDER; empty for a path no route has. */
  methodsOf(path: string): string[] {
    const methods = new Set<string>();
    for (const pattern of this.patterns) if (pattern.matches.test(path)) pattern.methods.forEach((method) => methods.add(method));
    return [...methods].sort(byMethodOrder);
  }
}

function byMethodOrder(a: string, b: string): number {
  const rank = (method: string) => (METHOD_ORDER.includes(method) ? METHOD_ORDER.indexOf(method) : METHOD_ORDER.length);
  return rank(a) - rank(b) || a.localeCompare(b);
}

/** A parameter's or a wildcard's name, as Express 5 (path-to-regexp 8) reads one. */
const NAME = /^[$_\p{ID_Start}][$\u200c\u200d\p{ID_Continue}]*/u;
const UNSUPPORTED = new Set(['{', '}', '(', ')', '[', ']', '+', '?', '!', '\\', '"']);

function patternOf(path: string, { caseSensitive, strict }: RouteMatching): RegExp {
  let source = '';
  for (let index = 0; index < path.length; ) {
    const char = path[index];
    if (char === ':' || char === '*') {
      const name = NAME.exec(path.slice(index + 1))?.[0];
      if (!name) throw new Error(`route ${path}: a ${char} without a name at index ${index}`);
      source += char === ':' ? '[^/]+' : '[^]+';
      index += 1 + name.length;
      continue;
    }
    if (UNSUPPORTED.has(char)) throw new Error(`route ${path}: the route table does not read "${char}" (index ${index}) of Express's path syntax`);
    source += char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    index++;
  }
  return new RegExp(`^${source}${strict ? '' : '(?:/)?'}$`, caseSensitive ? '' : 'i');
}
