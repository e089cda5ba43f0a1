import { KilnInvalidArgumentError } from './client-errors';

/**
 * A value as one segment of a request's path. `.` and `..` are refused, not
 * encoded: fetch's URL parser collapses them (and their %2e spellings) as
 * dot segments, so `files/../../../jobs/<id>` would reach another route of
 * the API, not the file the caller named. (A `%2e` in a value is encoded as
 * `%252e`, which is no dot segment.) An empty segment is refused too.
 */
export function pathSegment(value: string, field: string): string {
  if (value === '' || value === '.' || value === '..') {
    throw new KilnInvalidArgumentError(field, `${JSON.stringify(value)} cannot be a name in a path (no empty, "." or ".." parts)`);
  }
  return encodeURIComponent(value);
}

/** A relative path of segments, each as pathSegment says, the slashes kept: `out/a%20b.txt`. */
export function pathSegments(path: string, field: string): string {
  return path
    .split('/')
    .map((part) => pathSegment(part, field))
    .join('/');
}
