import { createHmac } from 'node:crypto';

/** The X-Narrate-Signature value of a body: `sha256=<hex HMAC-SHA256 of the exact bytes sent>`. */
export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}
