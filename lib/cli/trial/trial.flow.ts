import { randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import type { Selector } from '../../sources/etcd/fleet/selector.js';
import { ExitCode, type CliOutput } from '../shared/cli-output.js';
import { formatDuration } from '../shared/duration.flag.js';
import type { EtcdConnection } from '../etcd/etcd.connection.js';
import { formatSelector } from '../shared/selector.flag.js';
import { trialMessages } from './trial.messages.js';
import { printAnswer, reportTrial } from './trial.report.js';

export interface FleetTrial {
  key: string;
  /** The whole document to try, as validated locally. */
  text: string;
  /** The instances to ask (`--canary`); absent: every live instance. */
  match?: Selector;
  timeoutMs: number;
}

/**
 * `publish --dry-run --wait`: every live instance (that `match` selects) judges the document as
 * a reload would, applies nothing and answers; one row per instance. The exit code: 0 all
 * accepted, 5 one rejected, 6 one did not answer, 8 another trial is in progress, 128 + the
 * signal's number when Ctrl+C (or SIGTERM) ends it early. The trial is removed in every case.
 */
export async function tryOnFleet(
  output: CliOutput,
  etcd: EtcdConnection,
  { key, text, match, timeoutMs }: FleetTrial,
): Promise<number> {
  const id = `trial-${randomBytes(6).toString('hex')}`;
  const timeout = formatDuration(timeoutMs);
  output.out(trialMessages.trying(key, id, match ? ` matching ${formatSelector(match)}` : ''));
  const abort = new AbortController();
  let signalled: NodeJS.Signals | undefined;
  const stop = (signal: NodeJS.Signals) => {
    signalled = signal;
    abort.abort();
  };
  // A second Ctrl+C kills the process as usual; the trial then ends with its lease.
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const run = await etcd.runTrial(
      { id, candidate: text, ...(match ? { match } : {}) },
      {
        timeoutMs,
        signal: abort.signal,
        onStart: (count) => {
          if (count === 0) output.err(output.paint('yellow', trialMessages.nobody(key)));
          else output.out(trialMessages.waiting(count, timeout));
        },
        onAnswer: (answer) => printAnswer(output, answer, timeout),
      },
    );
    if (!run.started) {
      output.err(output.paint('red', trialMessages.inProgress(key, run.inProgress)));
      return ExitCode.InProgress;
    }
    if (run.interrupted) {
      output.err(output.paint('yellow', trialMessages.interrupted()));
      return 128 + constants.signals[signalled ?? 'SIGINT'];
    }
    return reportTrial(output, run.answers, timeout);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
