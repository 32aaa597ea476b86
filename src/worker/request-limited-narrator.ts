import type { NarrationRequest, NarrationResult, Narrator } from '../providers/narrator.js';
import type { TokenBudget } from '../queue/token-budget.js';

/**
 * The narrator behind the fleet's NARRATE_RPM budget when the fleet has more than one shard: each
 * shard's synthesize queue has its own BullMQ limiter, which would grant the budget once per shard,
 * so every reading (retries and split halves included) takes one request from a sliding minute
 * kept in the fleet's own hash tag (a TokenBudget counting requests), waiting in the worker while
 * the last minute is full. A sliding minute holds at most NARRATE_RPM starts in any 60 s, as the
 * provider counts them. With one shard BullMQ's limiter does this job (see rpmLimiter).
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
