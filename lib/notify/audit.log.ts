import { appendFile, open } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { SerialQueue } from '../reload/serial-queue.js';

/** One line of the audit log. Values in `changes` are already redacted. */
export interface AuditRecord {
  time: string;
  name: string;
  event: 'loaded' | 'reloaded' | 'reload_failed';
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
}

// Every instance appending to one file shares one queue: lines never interleave in a process.
const queuesByFile = new Map<string, SerialQueue>();

/**
 * Appends one JSON line per record. A line cut short by a crash is closed off before the next
 * record, so every later line still parses.
 */
export class AuditLog {
  private readonly queue: SerialQueue;
  private checkedTail = false;

  constructor(readonly file: string) {
    let queue = queuesByFile.get(file);
    if (!queue) queuesByFile.set(file, (queue = new SerialQueue()));
    this.queue = queue;
  }

  append(record: AuditRecord): Promise<void> {
    return this.queue.run(async () => {
      const prefix = this.checkedTail ? '' : await this.separatorAfterPartialLine();
      this.checkedTail = true;
      // One write per record: O_APPEND keeps it whole even beside other processes.
      await appendFile(this.file, `${prefix}${JSON.stringify(record)}\n`, { mode: 0o600 });
    });
  }

  /** Resolves when every record appended so far is on disk. */
  flush(): Promise<void> {
    return this.queue.drain();
  }

  private async separatorAfterPartialLine(): Promise<string> {
    let handle;
    try {
      handle = await open(this.file, 'r');
    } catch {
      return ''; // no file yet
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

/** The OS user name of this process, or its uid where the name cannot be read (some containers). */
export function processUser(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid:${process.getuid?.() ?? 'unknown'}`;
  }
}
