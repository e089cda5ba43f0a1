import { HttpStatus } from '@nestjs/common';
import { RequestBodyException } from './request-body.exception';

/** The deepest nesting of objects and arrays a body may have (Kiln's own requests, and the compatibility APIs', need 3). */
export const MAX_JSON_DEPTH = 32;

/**
 * Keys that reach or shadow an object's prototype when a parsed body is
 * copied, merged or read (`__proto__`, `constructor`, `prototype`, and the
 * other members every object inherits: an own `toString` that is not a
 * function breaks `String(value)`; class-transformer silently drops keys that
 * name inherited methods). No request of any API Kiln speaks has such a key.
 */
const PROTOTYPE_KEYS = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

/**
 * Refuses a parsed JSON body that is nested too deeply (the validators walk
 * it recursively: `[` × 100000 would overflow their stack) or that has a
 * prototype key anywhere, naming the key's path. The walk itself keeps its
 * own stack and stops at the first problem.
 */
export function assertSafeJson(body: unknown): void {
  const pending: { value: object; path: string; depth: number }[] = [];
  const visit = (value: unknown, path: string, depth: number) => {
    if (typeof value === 'object' && value !== null) pending.push({ value, path, depth });
  };
  visit(body, '', 1);
  while (pending.length) {
    const { value, path, depth } = pending.pop()!;
    if (depth > MAX_JSON_DEPTH) {
      throw new RequestBodyException(HttpStatus.BAD_REQUEST, `JSON body nested too deeply: at most ${MAX_JSON_DEPTH} levels of objects and arrays`, [
        { field: 'body', message: `nested deeper than ${MAX_JSON_DEPTH} levels` },
      ]);
    }
    if (Array.isArray(value)) {
      for (let index = value.length - 1; index >= 0; index--) visit(value[index], `${path}[${index}]`, depth + 1);
      continue;
    }
    for (const [key, child] of Object.entries(value)) {
      const field = path ? `${path}.${key}` : key;
      if (PROTOTYPE_KEYS.has(key)) {
        throw new RequestBodyException(HttpStatus.BAD_REQUEST, `forbidden key in JSON body: "${key}"`, [
          { field, message: `the key "${key}" is not allowed (it names an object's prototype or one of its members)` },
        ]);
      }
      visit(child, field, depth + 1);
    }
  }
}
