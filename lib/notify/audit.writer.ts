import type { Logger } from '@nestjs/common';
import { ConfigAuditError } from '../config-reloader.errors.js';
import { messages } from '../config-reloader.messages.js';
import { auditFailureReason, processUser, type AuditLog, type AuditRecord } from './audit.log.js';

export interface AuditWriterOptions {
  name: string;
  /** Where the config comes from, for messages: the file path or the source id. */
  where: string;
  logger: Logger;
  auditLog: AuditLog | undefined;
}

/**
 * Appends the records of one module instance, stamped with the time, its name and the OS user,
 * and says what went wrong when a record cannot be written. Without an audit log, does nothing.
 */
export class AuditWriter {
  constructor(private readonly options: AuditWriterOptions) {}

  /**
   * Throws `ConfigAuditError` when the record cannot be written and `refuseOnFailure` is set (the
   * change must not apply unaudited); otherwise logs a warning and resolves.
   */
  async append(
    fields: Omit<AuditRecord, 'time' | 'name' | 'user'>,
    refuseOnFailure: boolean,
  ): Promise<void> {
    const { auditLog, name, logger, where } = this.options;
    if (!auditLog) return;
    const record: AuditRecord = {
      time: new Date().toISOString(),
      name,
      user: processUser(),
      ...fields,
    };
    try {
      await auditLog.append(record);
    } catch (error) {
      const reason = auditFailureReason(error);
      if (refuseOnFailure) {
        throw new ConfigAuditError(where, messages.auditRefused(name, auditLog.file, reason), {
          cause: error,
        });
      }
      logger.warn(messages.auditFailed(name, auditLog.file, reason));
    }
  }
}
