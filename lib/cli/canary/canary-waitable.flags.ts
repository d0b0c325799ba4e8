import { Option, type Command } from 'commander';
import { parseDuration } from '../shared/duration.flag.js';

export interface WaitFlags {
  wait?: boolean;
  timeout: number;
}

/** `--wait` and `--timeout` of `canary promote` and `canary abort`. */
export function addWaitFlags(command: Command, what: string): Command {
  return command
    .option('-w, --wait', `then wait until every live instance ${what}`)
    .addOption(
      new Option('--timeout <duration>', 'how long --wait waits (30s, 500ms, 2m or ms)')
        .argParser(parseDuration)
        .default(30_000, '30s'),
    );
}
