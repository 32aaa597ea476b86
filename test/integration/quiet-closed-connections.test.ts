/**
 * BullMQ #3546: a RedisConnection closed during its start-up emits 'error' after close() removed
 * its listeners, which would crash the process (a worker drained right after Redis came back
 * exited 1). openRedis installs a guard that drops only that: an error from a closed connection
 * nobody listens to. The race itself is a matter of microseconds; this reproduces its last step.
 */
import { RedisConnection } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { openRedis } from '../../src/queue/connection.js';

describe('errors from closed BullMQ connections (BullMQ #3546)', () => {
  it('an error a closed connection emits with no listener left is dropped, not thrown', async () => {
    const connection = new RedisConnection(openRedis('redis://127.0.0.1:6379', { worker: true, name: 'narrate-test-quiet' }));
    await connection.client;
    await connection.close();
    expect(connection.status).toBe('closed');
    expect(connection.listenerCount('error')).toBe(0);
    // What the constructor's chain on the failed start-up does once the socket's close arrives.
    expect(() => connection.emit('error', new Error('Connection is closed.'))).not.toThrow();
  });

  it('an open connection still throws an error nobody listens to (nothing else is swallowed)', async () => {
    const connection = new RedisConnection(openRedis('redis://127.0.0.1:6379', { worker: true, name: 'narrate-test-quiet' }));
    try {
      await connection.client;
      connection.removeAllListeners('error');
      expect(() => connection.emit('error', new Error('boom'))).toThrow('boom');
    } finally {
      await connection.close();
    }
  });
});
