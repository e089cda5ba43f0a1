import { createHmac } from 'node:crypto';

/**
 * `X-Kiln-Signature: t=<unix seconds>,sha256=<hex HMAC-SHA256 of "<t>.<body>">`:
 * the receiver recomputes it with the shared secret and rejects old timestamps,
 * which stops both forgery and replay.
 */
export function signWebhook(secret: string, body: string, timestamp: number): string {
  const digest = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},sha256=${digest}`;
}
