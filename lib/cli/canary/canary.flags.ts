import { Option, type Command } from 'commander';
import type { Selector } from '../../sources/etcd/fleet/selector.js';
import { parseDuration } from '../shared/duration.flag.js';
import { parseSelectorFlag } from '../shared/selector.flag.js';

export interface CanaryFlags {
  canary?: Selector;
  bake?: number;
  promote?: boolean;
  dryRun?: boolean;
  wait?: boolean;
}

/** `--canary`, `--bake` and `--promote` of `publish`. */
export function addCanaryFlags(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--canary <selector>',
        'run it on these instances only, as a canary (symbol=BTC, 10%, instance=bot-3); with ' +
          '--dry-run --wait: try it on these instances only',
      ).argParser(parseSelectorFlag),
    )
    .addOption(
      new Option(
        '--bake <duration>',
        'with --canary --wait: how long every member must run it without a rejection once ' +
          'all applied it (30s, 5m; default 0)',
      ).argParser(parseDuration),
    )
    .option('--promote', 'with --canary --wait: promote the canary after a healthy bake');
}

/** What is wrong with the combination given, as a usage error; undefined when it is fine. */
export function canaryFlagProblem(flags: CanaryFlags): string | undefined {
  const extras = [flags.bake !== undefined ? '--bake' : '', flags.promote ? '--promote' : '']
    .filter(Boolean)
    .join(' and ');
  if (extras === '') return undefined;
  if (!flags.canary || flags.dryRun || !flags.wait) {
    return `${extras} follow a canary: give them with --canary <selector> --wait, without --dry-run.`;
  }
  return undefined;
}
