import { createHmac } from 'node:crypto';

/**
 * The X-Narrate-Signature value of a post: `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`, the
 * exact bytes sent, after the X-Narrate-Timestamp value (Unix seconds). The time is signed so a
 * captured post cannot be replayed once the receiver's tolerance window has passed.
 */
export function signBody(body: string, secret: string, timestamp: number): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(body, 'utf8').digest('hex')}`;
}
