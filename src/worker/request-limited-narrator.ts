import type { NarrationRequest, NarrationResult, Narrator } from '../providers/narrator.js';
import type { TokenBudget } from '../queue/token-budget.js';

/**
 * The narrator behind the fleet's NARRATE_RPM budget when the fleet has more than one shard: each
 * shard's synthesize queue has its own BullMQ limiter, which would grant the budget once per shard,
 * so every reading (retries and split halves included) takes one request from a sliding window kept
 * in the fleet's own hash tag (a TokenBudget counting requests), waiting in the worker while the
 * window is full. The window is rpmLimiter's (one start per 60000/(rpm-1) ms, or rpm/61 per second
 * above 1200): the budget spread over the minute as with one shard, where BullMQ's limiter does this
 * job, rather than granted as one burst.
 */
export function withRequestBudget(narrator: Narrator, budget: TokenBudget): Narrator {
  const limited: Narrator = {
    name: narrator.name,
    model: narrator.model,
    async narrate(request: NarrationRequest): Promise<NarrationResult> {
      await budget.take(1, request.signal);
      return narrator.narrate(request);
    },
  };
  if (narrator.reservedTokens) limited.reservedTokens = (request) => narrator.reservedTokens!(request);
  if (narrator.close) limited.close = () => narrator.close!();
  return limited;
}
