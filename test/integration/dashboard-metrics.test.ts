/** The dashboard's /metrics: the fleet's queue depth in Prometheus text, behind the dashboard's auth. */
import { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startDashboard, type Dashboard } from '../../src/dashboard/start-dashboard.js';
import { openRedis } from '../../src/queue/connection.js';
import { SYNTHESIZE_QUEUE } from '../../src/queue/names.js';
import { bullPrefix } from '../../src/queue/keys.js';
import { obliterateQueues } from '../helpers/obliterate-queues.js';
import { testPrefix } from '../helpers/test-prefix.js';

const prefix = testPrefix('dashboard-metrics');
const config = loadConfig({ NARRATE_PREFIX: prefix, NARRATE_DASHBOARD_USER: 'ops', NARRATE_DASHBOARD_PASSWORD: 'metrics-pw' });
const connection = openRedis('redis://127.0.0.1:6379', { name: 'narrate-test' });
let dashboard: Dashboard | undefined;

describe('dashboard /metrics', () => {
  afterAll(async () => {
    await dashboard?.close();
    await obliterateQueues(connection, bullPrefix(prefix)).catch(() => undefined);
    await connection.quit();
  });

  it('reports the queue depth by state, only to the dashboard credentials', async () => {
    const synthesize = new Queue(SYNTHESIZE_QUEUE, { connection, prefix: bullPrefix(prefix) });
    await synthesize.addBulk([{ name: 'synthesize', data: {} }, { name: 'synthesize', data: {} }, { name: 'synthesize', data: {}, opts: { delay: 60_000 } }]);
    await synthesize.close();
    dashboard = await startDashboard(config, { host: '127.0.0.1', port: 0 });
    const url = `${dashboard.url}metrics`;
    expect((await fetch(url)).status).toBe(401);
    const response = await fetch(url, { headers: { authorization: `Basic ${Buffer.from('ops:metrics-pw').toString('base64')}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toContain('narrate_queue_jobs{queue="synthesize",state="wait"} 2');
    expect(text).toContain('narrate_queue_jobs{queue="synthesize",state="delayed"} 1');
    expect(text).toContain('narrate_queue_jobs{queue="finalize",state="wait"} 0');
  });
});
