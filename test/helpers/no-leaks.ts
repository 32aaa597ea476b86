import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, expect } from 'vitest';

/**
 * Fails a test file that leaves a socket or server open (a worker, a Redis connection, a fake
 * server): graphile-worker's habit. Handles get two seconds to finish closing.
 */
afterAll(async () => {
  const open = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TCPServerWrap' || r === 'PipeServerWrap');
  for (let i = 0; i < 20 && open().length > 0; i++) await sleep(100);
  expect(open(), 'sockets or servers left open by this test file').toEqual([]);
});
