import { assertSafeJson, MAX_JSON_DEPTH } from './json-body-inspection';
import { RequestBodyException } from './request-body.exception';

function refusal(body: unknown): { status: number; body: unknown } | null {
  try {
    assertSafeJson(body);
    return null;
  } catch (error) {
    if (!(error instanceof RequestBodyException)) throw error;
    return { status: error.getStatus(), body: error.getResponse() };
  }
}

const nested = (depth: number, open = '[', close = ']') => JSON.parse(`${open.repeat(depth)}${close.repeat(depth)}`);
const nestedObject = (depth: number) => JSON.parse(`${'{"a":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`);

describe('assertSafeJson', () => {
  it('passes ordinary bodies and scalars', () => {
    for (const body of [undefined, null, 1, 'x', {}, [], { language: 'python', files: [{ name: 'a.py', content: 'x' }], limits: { timeoutMs: 1 } }]) {
      expect(refusal(body)).toBeNull();
    }
    expect(refusal(nested(MAX_JSON_DEPTH))).toBeNull();
    expect(refusal(nestedObject(MAX_JSON_DEPTH))).toBeNull();
  });

  it.each([
    ['arrays', nested(MAX_JSON_DEPTH + 1)],
    ['objects', nestedObject(MAX_JSON_DEPTH + 1)],
    ['`[` × 100000', nested(100_000)],
  ])('refuses %s nested deeper than MAX_JSON_DEPTH with 400 naming the body', (_name, body) => {
    expect(refusal(body)).toEqual({
      status: 400,
      body: { error: `JSON body nested too deeply: at most ${MAX_JSON_DEPTH} levels of objects and arrays`, details: [{ field: 'body', message: `nested deeper than ${MAX_JSON_DEPTH} levels` }] },
    });
  });

  it.each([
    ['{"__proto__": {"polluted": true}}', '__proto__', '__proto__'],
    ['{"language": "python", "constructor": {"prototype": {"x": 1}}}', 'constructor', 'constructor'],
    ['{"limits": {"timeoutMs": 1, "__proto__": {}}}', 'limits.__proto__', '__proto__'],
    ['{"files": [{"name": "a"}, {"name": "b", "prototype": 1}]}', 'files[1].prototype', 'prototype'],
    ['[{"ok": 1}, [{"__proto__": null}]]', '[1][0].__proto__', '__proto__'],
    ['{"submissions": [{"source_code": "x", "constructor": "y"}]}', 'submissions[0].constructor', 'constructor'],
    ['{"source_code": {"toString": 1}}', 'source_code.toString', 'toString'],
    ['{"language": "python", "hasOwnProperty": 1}', 'hasOwnProperty', 'hasOwnProperty'],
    ['{"a": {"valueOf": null}}', 'a.valueOf', 'valueOf'],
  ])('refuses %s, naming %s', (text, field, key) => {
    expect(refusal(JSON.parse(text))).toEqual({
      status: 400,
      body: { error: `forbidden key in JSON body: "${key}"`, details: [{ field, message: `the key "${key}" is not allowed (it names an object's prototype or one of its members)` }] },
    });
  });

  it('takes values that merely mention the keys', () => {
    expect(refusal({ code: '__proto__ constructor prototype', args: ['__proto__'] })).toBeNull();
  });

  it('walks a wide body quickly', () => {
    const wide = { tests: Array.from({ length: 100_000 }, (_, index) => ({ stdin: String(index), expected: 'x' })) };
    const started = Date.now();
    expect(refusal(wide)).toBeNull();
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
