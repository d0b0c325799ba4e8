import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_MAX_FILE_BYTES } from '../../config-reloader.constants.js';

export interface MaxFileBytesFlag {
  maxFileBytes: number;
}

/**
 * `--max-file-bytes`, shared by every command that reads config files: the same limit as the
 * module's `maxFileBytes` option, with the same default, so the CLI refuses what the app would.
 */
export function addMaxFileBytesFlag(command: Command): Command {
  return command.option(
    '--max-file-bytes <bytes>',
    `refuse a config file larger than this, like the app's "maxFileBytes" option`,
    parseByteCount,
    DEFAULT_MAX_FILE_BYTES,
  );
}

function parseByteCount(value: string): number {
  const bytes = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    throw new InvalidArgumentError('a whole number of bytes, at least 1, was expected.');
  }
  return bytes;
}
