// Judge0 encodes with Ruby's Base64.encode64 (RFC 2045: lines of 60
// characters, each ending in "\n") and decodes with Base64.decode64, which
// skips every character outside the alphabet. Clients rely on both.

const LINE = 60;

/** Ruby's Base64.encode64: "aGVsbG8sIEp1ZGdlMAo=\n". */
export function encode64(bytes: Buffer): string {
  const plain = bytes.toString('base64');
  let lines = '';
  for (let start = 0; start < plain.length; start += LINE) lines += `${plain.slice(start, start + LINE)}\n`;
  return lines;
}

/** Ruby's Base64.decode64: lenient, whatever is not base64 is skipped. */
export function decode64(text: string): Buffer {
  return Buffer.from(text.replace(/[^A-Za-z0-9+/]/g, ''), 'base64');
}
