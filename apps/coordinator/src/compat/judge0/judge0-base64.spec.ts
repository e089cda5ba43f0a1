import { decode64, encode64 } from './judge0-base64';

describe('Judge0 base64 (Ruby Base64.encode64/decode64)', () => {
  it('encodes as the documentation shows: lines of 60, each ending in a newline', () => {
    expect(encode64(Buffer.from('hello, Judge0\n'))).toBe('aGVsbG8sIEp1ZGdlMAo=\n');
    const long = encode64(Buffer.alloc(100, 'a'));
    expect(long.split('\n').map((line) => line.length)).toEqual([60, 60, 16, 0]);
    expect(encode64(Buffer.alloc(0))).toBe('');
  });

  it('decodes leniently, newlines and stray characters skipped', () => {
    expect(decode64('aGVsbG8sIEp1ZGdlMAo=\n').toString()).toBe('hello, Judge0\n');
    expect(decode64('SnVk\nZ2Uw').toString()).toBe('Judge0');
    expect(decode64(encode64(Buffer.from([0, 255, 254]))).equals(Buffer.from([0, 255, 254]))).toBe(true);
  });
});
