import { agentOutputCap, base64Bytes, compileOutputShare, jsonTextBytes, jsonTextPrefix, runOutputShare } from './output-budget';

/** Strings with every kind of character JSON treats differently. */
function hostileText(seed: number, length: number): string {
  const alphabet = ['a', '"', '\\', '\n', '\t', '\u0001', '\u001f', '\u007f', 'é', '€', '😀', '\ud800', '\udfff', '\u2028', '\ufffd'];
  let state = seed;
  let text = '';
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    text += alphabet[state % alphabet.length];
  }
  return text;
}

describe('jsonTextBytes and jsonTextPrefix', () => {
  it('count what JSON.stringify makes of a text', () => {
    expect(jsonTextBytes('\u0001')).toBe(6);
    expect(jsonTextBytes('\n"\\')).toBe(6);
    expect(jsonTextBytes('é😀')).toBe(6);
    expect(jsonTextBytes('\ud800')).toBe(6);
  });

  it.each([1, 2, 3, 4, 5])('take the longest start that fits, whole code points only (seed %i)', (seed) => {
    const text = hostileText(seed, 400);
    for (const max of [0, 1, 5, 6, 7, 50, 333, 10_000]) {
      const prefix = jsonTextPrefix(text, max);
      expect(text.startsWith(prefix)).toBe(true);
      expect(jsonTextBytes(prefix)).toBeLessThanOrEqual(max);
      if (prefix.length < text.length) {
        const next = text.codePointAt(prefix.length)!;
        expect(jsonTextBytes(text.slice(0, prefix.length + (next > 0xffff ? 2 : 1)))).toBeGreaterThan(max);
      }
    }
  });
});

describe('sharing the budget', () => {
  const limits = { jobOutputBytes: 1_000_000 };

  it('gives the compile half, and each run an equal part of what the compile left', () => {
    expect(compileOutputShare(limits)).toBe(500_000);
    expect(runOutputShare(limits, 0, 0)).toBe(1_000_000);
    expect(runOutputShare(limits, 100, 0)).toBe(10_000);
    expect(runOutputShare(limits, 8, 200_000)).toBe(100_000);
    expect(runOutputShare(limits, 3, 2_000_000)).toBe(0);
  });

  it('lets the agent forward no more raw bytes than the share could hold', () => {
    expect(agentOutputCap(65536, 1_000_000, false)).toBe(65536);
    expect(agentOutputCap(4 << 20, 10_000, false)).toBe(10_000);
    expect(agentOutputCap(4 << 20, 10_000, true)).toBe(5_000);
  });

  it('counts base64 in whole quads', () => {
    expect([0, 1, 2, 3, 4].map(base64Bytes)).toEqual([0, 4, 4, 4, 8]);
  });
});
