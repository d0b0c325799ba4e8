import { randomBytes } from 'node:crypto';
import {
  canaryKey,
  canaryRecordText,
  type CanaryRecord,
} from '../../sources/etcd/fleet/canary-record.js';
import { canaryInProgress } from '../../sources/etcd/fleet/canary.store.js';
import type { Selector } from '../../sources/etcd/fleet/selector.js';
import { printChanges, redactedChanges } from '../check/diff.format.js';
import { ExitCode, type CliOutput } from '../shared/cli-output.js';
import { formatSelector } from '../shared/selector.flag.js';
import type { EtcdConnection } from '../etcd/etcd.connection.js';
import { currentConfig } from '../rollout/publish-flow.js';
import { canaryMessages as say } from './canary.messages.js';

/** A checked candidate on its way to `K/canary`. */
export interface CanaryCandidate {
  key: string;
  /** The whole document, as read, and as the app parses it (already validated locally). */
  text: string;
  plain: Record<string, unknown>;
  match: Selector;
  secretKeys?: string[];
  dryRun?: boolean;
}

export type CanaryCreated =
  { created: true; id: string; revision: string } | { created: false; exitCode: number };

/**
 * `publish <file> --canary <selector>`: shows the redacted diff base -> candidate and creates
 * `K/canary` in one transaction, only while `K` is still at the revision the canary is made from
 * and no canary is in progress (an aborted one is replaced). Exit codes: 3 no base, 8 a canary
 * is in progress, 4 `K` moved meanwhile; with `dryRun`, 0 and nothing written.
 */
export async function createCanary(
  output: CliOutput,
  etcd: EtcdConnection,
  candidate: CanaryCandidate,
): Promise<CanaryCreated> {
  const { key } = candidate;
  const { base, canary } = await etcd.canary.read();
  const refused = (exitCode: number, message: string) => {
    output.err(output.paint('red', message));
    return { created: false as const, exitCode };
  };
  if (base === undefined) return refused(ExitCode.Io, say.baseMissing(key));
  if (canaryInProgress(canary)) {
    return refused(
      ExitCode.InProgress,
      canary?.record ? say.inProgress(key, canary.record.id) : say.unreadableInProgress(key),
    );
  }
  if (canary?.record?.aborted) output.out(say.replacing(canary.record.id, canary.record.aborted));
  output.out(say.diffHeader(key, base.modRevision));
  const before = await currentConfig(output, key, base);
  printChanges(output, redactedChanges(before ?? {}, candidate.plain, candidate.secretKeys));
  if (candidate.dryRun) {
    output.out(output.paint('gray', say.dryRun(key)));
    return { created: false, exitCode: ExitCode.Ok };
  }
  const record: CanaryRecord = {
    id: `canary-${randomBytes(6).toString('hex')}`,
    candidate: candidate.text,
    baseRevision: base.modRevision,
    match: candidate.match,
    abortOnReject: true,
    createdAt: new Date().toISOString(),
  };
  const write = await etcd.canary.create(canaryRecordText(record), base.modRevision, canary);
  if (write.written) {
    const selector = formatSelector(record.match);
    const created = say.created(record.id, canaryKey(key), selector, write.revision);
    output.out(`${output.paint('green', 'created')} ${created}`);
    return { created: true, id: record.id, revision: write.revision };
  }
  if (canaryInProgress(write.canary))
    return refused(ExitCode.InProgress, say.startedMeanwhile(key));
  if (write.base?.modRevision === base.modRevision) {
    return refused(ExitCode.Conflict, say.changedMeanwhile(key, 'creating the canary'));
  }
  return refused(ExitCode.Conflict, say.baseMoved(key, base.modRevision, write.base?.modRevision));
}
