import { RedisConnection } from 'bullmq';

let installed = false;

/**
 * BullMQ #3546: a RedisConnection closed while its start-up (an INFO) is still under way emits
 * 'error' ("Connection is closed.") after close() removed every listener, and Node turns an
 * 'error' nobody listens to into an uncaught exception. BullMQ means to swallow it (close()
 * silences its own chain on that promise) but the constructor's chain still emits. Seen here as
 * a worker that got SIGTERM just after Redis came back exiting 1 mid-drain instead of 0.
 * This drops exactly those: 'error' on a connection BullMQ has closed, with no listener left.
 * Any other error is emitted as before. Safe to call more than once.
 */
export function quietClosedConnections(): void {
  if (installed) return;
  installed = true;
  const emit = RedisConnection.prototype.emit;
  RedisConnection.prototype.emit = function (this: RedisConnection, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'error' && this.status === 'closed' && this.listenerCount('error') === 0) return false;
    return emit.call(this, event, ...args);
  };
}
