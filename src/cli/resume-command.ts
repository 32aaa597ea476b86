import type { Config } from '../config.js';
import type { CliIo } from './io.js';
import { setFleetPaused } from './pause-command.js';

/** `narrate resume`: the fleet takes jobs again after `narrate pause`. */
export async function resumeCommand(config: Config, io: CliIo): Promise<number> {
  await setFleetPaused(config, false);
  io.stdout.write(`resumed: workers under prefix "${config.prefix}" take jobs again\n`);
  return 0;
}
