import { describe, expect, it } from 'vitest';
import { rpmLimiter } from '../../../src/worker/rpm-limiter.js';

/** The most job starts a limiter allows in any 60 s window (a start may sit on both edges). */
function worstMinute(limit: { max: number; duration: number }): number {
  return (Math.floor(60_000 / limit.duration) + 1) * limit.max;
}

describe('rpmLimiter', () => {
  it.each([1, 2, 60, 220, 600, 1000, 1200, 1201, 6000, 100_000])('never lets more than %i requests into a sliding minute', (rpm) => {
    const limit = rpmLimiter(rpm);
    expect(worstMinute(limit)).toBeLessThanOrEqual(rpm);
    // ...while still granting most of the budget.
    expect(worstMinute(limit)).toBeGreaterThanOrEqual(Math.min(rpm, Math.floor(rpm * 0.95)));
  });

  it('keeps a limiter without a budget, so a 429 can still pause the queue', () => {
    expect(rpmLimiter(undefined).max).toBeGreaterThan(1_000_000);
  });
});
