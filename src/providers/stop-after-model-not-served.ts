import { ModelNotServedError } from './model-not-served.js';
import type { NarrationRequest, NarrationResult, Narrator } from './narrator.js';

/**
 * The narrator that makes no call after the provider said its model is not served: every later
 * reading in this process (any chunk, any book) fails at once with the same message instead of
 * paying a round trip to be told again. The model is the process's setting, so only a restart
 * with another NARRATE_MODEL (or NARRATE_BASE_URL) can change the answer.
 */
export function stopAfterModelNotServed(narrator: Narrator): Narrator {
  let refused: ModelNotServedError | undefined;
  const stopping: Narrator = {
    name: narrator.name,
    model: narrator.model,
    async narrate(request: NarrationRequest): Promise<NarrationResult> {
      if (refused) throw refused;
      try {
        return await narrator.narrate(request);
      } catch (error) {
        if (error instanceof ModelNotServedError) refused = error;
        throw error;
      }
    },
  };
  if (narrator.reservedTokens) stopping.reservedTokens = (request) => narrator.reservedTokens!(request);
  if (narrator.close) stopping.close = () => narrator.close!();
  return stopping;
}
