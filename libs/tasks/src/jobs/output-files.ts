import { base64Bytes } from './output-budget';
import { OutputFile } from './stage-result';

/**
 * Output files (`outputFiles` of a job request): patterns naming files the
 * program leaves in its workspace, which come back with each run's result.
 *
 * A pattern is a relative path of `/`-separated segments. In a segment `*`
 * stands for any characters (none included) and `?` for exactly one; a whole
 * segment `**` stands for any number of segments (none included; at the end,
 * one at least). Every other
 * character stands for itself. `*.png` names the PNG files at the top of the
 * workspace, `out/**` everything under `out/`, `**\/*.csv` every CSV file.
 * Names starting with `.` are matched like any other.
 */

/** The longest pattern, in bytes of UTF-8: no workspace path is longer (docs/agent-protocol.md). */
export const MAX_OUTPUT_PATTERN_BYTES = 255;

/** Why a pattern cannot be used, or null. */
export function outputPatternProblem(pattern: string): string | null {
  if (pattern.length === 0) return 'must not be empty';
  if (Buffer.byteLength(pattern) > MAX_OUTPUT_PATTERN_BYTES) return `at most ${MAX_OUTPUT_PATTERN_BYTES} bytes`;
  if (/[\u0000-\u001f\u007f]/.test(pattern)) return 'must not contain control characters';
  if (pattern.startsWith('/')) return 'must be relative to the workspace (no leading "/")';
  const segments = pattern.split('/');
  if (segments.some((segment) => segment === '')) return 'must not have an empty segment ("//" or a trailing "/")';
  if (segments.some((segment) => segment === '.' || segment === '..')) return 'must not have a "." or ".." segment';
  if (segments.some((segment) => segment !== '**' && segment.includes('**'))) return '"**" must be a whole segment (out/**, **/*.png)';
  return null;
}

/** Whether a workspace path (segments joined by `/`) matches a valid pattern. */
export function matchesOutputPattern(path: string, pattern: string): boolean {
  return matchSegments(path.split('/'), pattern.split('/').map(segmentMatcher));
}

/** Whether a path matches any of the patterns. */
export function matchesAnyOutputPattern(path: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => matchesOutputPattern(path, pattern));
}

type SegmentMatcher = '**' | RegExp;

function segmentMatcher(segment: string): SegmentMatcher {
  if (segment === '**') return '**';
  const source = [...segment].map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`, 'su');
}

function matchSegments(path: string[], pattern: SegmentMatcher[]): boolean {
  if (pattern.length === 0) return path.length === 0;
  const [first, ...rest] = pattern;
  if (first === '**') {
    // A trailing `**` stands for what is under the directory before it, not for that directory.
    if (rest.length === 0) return path.length > 0;
    for (let skip = 0; skip <= path.length; skip++) if (matchSegments(path.slice(skip), rest)) return true;
    return false;
  }
  return path.length > 0 && first.test(path[0]) && matchSegments(path.slice(1), rest);
}

/**
 * What a file costs of the run's share of the output budget
 * (output-budget.ts): its entry as the answer's JSON writes it, content in
 * base64, and the comma between entries.
 */
export function outputFileCost(name: string, size: number): number {
  const entry: OutputFile = { name, size, encoding: 'base64', content: '' };
  return Buffer.byteLength(JSON.stringify(entry)) + base64Bytes(size) + 1;
}
