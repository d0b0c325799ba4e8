import { ExitCode, type CliOutput } from '../shared/cli-output.js';
import type { EtcdConnection } from '../etcd/etcd.connection.js';
import { canaryMessages as say } from './canary.messages.js';
import { createCanary, type CanaryCandidate } from './canary-create.js';
import { promote } from './canary-promote.js';
import { canaryVerdict } from './canary-verdict.js';
import { waitForCanary } from './canary-wait.js';

export interface CanaryPublication extends CanaryCandidate {
  /** With --wait: how long the members may take to apply it, in ms. */
  waitMs?: number;
  /** How long the canary must stay healthy once every member applied it, in ms. */
  bakeMs: number;
  /** After a healthy bake: promote it and wait for the whole fleet (--timeout again). */
  promote?: boolean;
}

/**
 * `publish <file> --canary <selector> [--wait [--bake <duration>] [--promote]]`: creates the
 * canary; with a wait, follows its members through the bake (aborting it when one fails it),
 * and with `promote`, promotes a healthy one and waits for the fleet.
 */
export async function publishCanary(
  output: CliOutput,
  etcd: EtcdConnection,
  publication: CanaryPublication,
): Promise<number> {
  const created = await createCanary(output, etcd, publication);
  if (!created.created) return created.exitCode;
  const { key, waitMs } = publication;
  if (waitMs === undefined) return ExitCode.Ok;
  const wait = { key, id: created.id, timeoutMs: waitMs };
  const result = await waitForCanary(output, etcd, { ...wait, bakeMs: publication.bakeMs });
  const exitCode = await canaryVerdict(output, etcd, wait, result);
  if (exitCode !== ExitCode.Ok || !publication.promote) return exitCode;
  // Promote the record as it is now: the compare-and-swap is on it, and on the base.
  const { canary } = await etcd.canary.read();
  if (canary?.record?.id !== created.id || canary.record.aborted) {
    output.err(output.paint('red', say.changedMeanwhile(key, 'baking it')));
    return ExitCode.Conflict;
  }
  return promote(output, etcd, key, { ...canary, record: canary.record }, waitMs);
}
