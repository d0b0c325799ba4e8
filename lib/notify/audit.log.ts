import { constants, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { describeError } from '../config-reloader.errors.js';
import { messages } from '../config-reloader.messages.js';
import { SerialQueue } from '../serial-queue.js';
import { isReadableByOthers, octalMode, PRIVATE_FILE_MODE } from '../sources/private-file-mode.js';
import type { ConfigVariant } from '../interfaces/index.js';

/** One line of the audit log. Values in `changes` are already redacted. */
export interface AuditRecord {
  time: string;
  name: string;
  /** 'canary_aborted': this instance rejected a canary's candidate and marked the canary aborted. */
  event: 'loaded' | 'reloaded' | 'reload_failed' | 'canary_aborted';
  source: string;
  version: number;
  previousVersion?: number;
  hash?: string;
  /** The OS user this process runs as. */
  user: string;
  /** Owner (uid) of the config file that was read. */
  fileOwnerUid?: number;
  changes?: { path: string; oldValue: unknown; newValue: unknown }[];
  rolledBackTo?: number;
  error?: { code: string; message: string };
  /**
   * The layers of the document the record is about (overlay names or paths, a canary id); kept
   * only when there are some. Names, never values.
   */
  variant?: ConfigVariant;
}

// Every instance appending to one file shares one queue: lines never interleave in a process.
const queuesByFile = new Map<string, SerialQueue>();

// Never through a symlink planted at the path: the records would go, and the tail would be
// read, wherever it points. Platforms without O_NOFOLLOW (Windows) open the path as given.
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;
const APPEND_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | NO_FOLLOW;
const READ_FLAGS = constants.O_RDONLY | NO_FOLLOW;

/**
 * Appends one JSON line per record. A line cut short by a crash is closed off before the next
 * record, so every later line still parses. The file is created 0600 (the records say who
 * changed what); an existing one that others may read is left as it is and `onWarning` is told
 * once.
 */
export class AuditLog {
  private readonly queue: SerialQueue;
  private checkedTail = false;
  private checkedMode = false;

  constructor(
    readonly file: string,
    private readonly onWarning: (message: string) => void = () => undefined,
  ) {
    let queue = queuesByFile.get(file);
    if (!queue) queuesByFile.set(file, (queue = new SerialQueue()));
    this.queue = queue;
  }

  append(record: AuditRecord): Promise<void> {
    return this.queue.run(async () => {
      const prefix = this.checkedTail ? '' : await this.separatorAfterPartialLine();
      this.checkedTail = true;
      const handle = await open(this.file, APPEND_FLAGS, PRIVATE_FILE_MODE);
      try {
        if (!this.checkedMode) {
          this.checkedMode = true;
          this.warnIfReadableByOthers(await handle.stat());
        }
        // One write per record: O_APPEND keeps it whole even beside other processes.
        const line = JSON.stringify(withoutEmptyVariant(record));
        await handle.appendFile(`${prefix}${line}\n`, 'utf8');
      } finally {
        await handle.close();
      }
    });
  }

  /** Resolves when every record appended so far is on disk. */
  flush(): Promise<void> {
    return this.queue.drain();
  }

  // Said once: the operator chose the mode, and the warning says how to fix it. A device or a
  // pipe (/dev/full, a log shipper's FIFO) keeps no records, whatever its mode.
  private warnIfReadableByOthers(stats: Stats): void {
    if (stats.isFile() && isReadableByOthers(stats.mode)) {
      this.onWarning(messages.auditReadable(this.file, octalMode(stats.mode)));
    }
  }

  private async separatorAfterPartialLine(): Promise<string> {
    let handle;
    try {
      handle = await open(this.file, READ_FLAGS);
    } catch {
      return ''; // no file yet, or a symlink: the append that follows fails and says so
    }
    try {
      const { size } = await handle.stat();
      if (size === 0) return '';
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      return last[0] === 0x0a ? '' : '\n';
    } finally {
      await handle.close();
    }
  }
}

/** Why an append failed, in words an operator can act on. */
export function auditFailureReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ELOOP') return messages.auditSymlink;
  return code ?? describeError(error);
}

/** The OS user name of this process, or its uid where the name cannot be read (some containers). */
export function processUser(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid:${process.getuid?.() ?? 'unknown'}`;
  }
}

/** A record about a document made without layers says nothing of them. */
function withoutEmptyVariant(record: AuditRecord): AuditRecord {
  const { variant, ...rest } = record;
  const layered =
    variant !== undefined && (variant.overlays.length > 0 || variant.canary !== undefined);
  return layered ? record : rest;
}
