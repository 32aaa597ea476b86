import { Counter, Gauge, type Registry } from 'prom-client';

/** What the live-update metrics read at each scrape. */
export interface LiveCounts {
  readonly streams: number;
  readonly polls: number;
}

/**
 * narrate_dashboard_live_streams (open Books pages following updates) and
 * narrate_dashboard_live_polls_total (reads of Redis made for them: one per tick however many
 * pages are open), read from the Books router at each scrape.
 */
export function registerLiveMetrics(registry: Registry, counts: () => LiveCounts | undefined): void {
  new Gauge({
    name: 'narrate_dashboard_live_streams',
    help: 'Live-update streams (open Books pages) the dashboard holds',
    registers: [registry],
    collect() {
      this.set(counts()?.streams ?? 0);
    },
  });
  new Counter({
    name: 'narrate_dashboard_live_polls_total',
    help: 'Reads of Redis made for the live Books pages (one per tick, shared by every open page)',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(counts()?.polls ?? 0);
    },
  });
}
