import type { Logger } from '@nestjs/common';
import type { InstanceIdentity } from '../instance-identity.js';
import type { EtcdSourceOptions } from './etcd-source.options.js';
import { etcdMessages } from './etcd.messages.js';
import { failureReason } from './etcd-failure.js';
import { FleetStatusWriter } from './fleet/fleet-status.writer.js';
import { instancesPrefix } from './fleet/instance-status.js';
import { acquireStatusBatch } from './fleet/shared-status-batch.js';
import { StatusRecord } from './fleet/status-record.js';
import { acquireEtcdClient } from './shared-etcd-client.js';

const DEFAULT_STATUS_TTL_SECONDS = 10;
const DEFAULT_STATUS_DELAY_MS = 100;

/** One etcd source's status record, and how to take it out of etcd when the source closes. */
export interface EtcdStatusReport {
  /** The outcome of the last change and the answer to the last trial, written as one record. */
  readonly record: StatusRecord;
  /** Removes the record, and lets go of the process's client and lease once nobody else uses them. */
  close(): Promise<void>;
}

/** Who the records are reported for, in log lines. */
export interface EtcdStatusOwner {
  /** The source's id (`etcd:<key>`). */
  id: string;
  deadlineMs: number;
  logger: Logger;
}

/**
 * The status record of one etcd source, written through the client its process shares for the
 * connection (not the source's own, which its watch keeps to itself), under one lease and in one
 * transaction per round with the records of the other instances that connect alike.
 */
export function reportEtcdStatus(
  options: EtcdSourceOptions,
  identity: InstanceIdentity,
  { id, deadlineMs, logger }: EtcdStatusOwner,
): EtcdStatusReport {
  const connection = acquireEtcdClient(options);
  const ttlSeconds = options.statusTtlSeconds ?? DEFAULT_STATUS_TTL_SECONDS;
  const lease = { client: connection.client, ttlSeconds, deadlineMs };
  const writer = new FleetStatusWriter({
    ...lease,
    key: options.key,
    instanceId: identity.instanceId,
    delayMs: options.statusDelayMs ?? DEFAULT_STATUS_DELAY_MS,
    batch: acquireStatusBatch(lease),
    onError: (error, refused) => {
      const reason = failureReason(error);
      logger.warn(
        refused
          ? etcdMessages.statusRefused(id, instancesPrefix(options.key), reason)
          : etcdMessages.statusFailed(id, reason),
      );
    },
    onRecovered: () => logger.log(etcdMessages.statusBack(id)),
  });
  return {
    record: new StatusRecord(identity, writer),
    close: async () => {
      await writer.close();
      connection.release();
    },
  };
}
