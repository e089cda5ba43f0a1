import { FieldError } from '../http/field-error';

// Canonical base64 with padding: anything else is refused rather than decoded loosely
// (Node's decoder silently skips bad characters, which would change the bytes).
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The bytes of a request text in its declared encoding; a bad base64 text is a problem naming its field. */
export function decodeContent(text: string, encoding: string | undefined, field: string, problems: FieldError[]): Buffer {
  if (encoding !== 'base64') return Buffer.from(text, 'utf8');
  if (!BASE64.test(text)) {
    problems.push({ field, message: 'must be base64 (A-Z a-z 0-9 + /, padded with =)' });
    return Buffer.alloc(0);
  }
  return Buffer.from(text, 'base64');
}
