import type { NarrationRequest, NarrationResult, Narrator } from '../providers/narrator.js';
import type { TokenBudget } from '../queue/token-budget.js';

/**
 * The narrator behind the fleet's NARRATE_TPM budget: every reading (retries and split halves
 * included) takes what the provider will count for it before it is sent, waiting in the worker
 * when the last minute is full. A narrator that reports no tokens (the offline voice) is not held.
 */
export function withTokenBudget(narrator: Narrator, budget: TokenBudget): Narrator {
  const limited: Narrator = {
    name: narrator.name,
    model: narrator.model,
    async narrate(request: NarrationRequest): Promise<NarrationResult> {
      const tokens = narrator.reservedTokens?.(request);
      if (tokens !== undefined) await budget.take(tokens, request.signal);
      return narrator.narrate(request);
    },
  };
  if (narrator.reservedTokens) limited.reservedTokens = (request) => narrator.reservedTokens!(request);
  if (narrator.close) limited.close = () => narrator.close!();
  return limited;
}
