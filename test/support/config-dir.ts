import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temp directory holding one config file, with the save styles real tools use. */
export class ConfigDir {
  private saves = 0;

  private constructor(
    readonly dir: string,
    readonly file: string,
  ) {}

  static async create(initial: unknown, fileName = 'config.json'): Promise<ConfigDir> {
    const dir = await mkdtemp(join(tmpdir(), 'config-reloader-'));
    const configDir = new ConfigDir(dir, join(dir, fileName));
    await configDir.write(initial);
    return configDir;
  }

  /** In-place write: truncate and write the same inode. */
  async write(content: unknown): Promise<void> {
    await writeFile(this.file, serialize(content));
  }

  /** Editor-style atomic save: write a temp file in the same directory, rename it over the config. */
  async writeAtomically(content: unknown): Promise<void> {
    const temp = join(this.dir, `.config.json.${process.pid}.${this.saves++}.tmp`);
    await writeFile(temp, serialize(content));
    await rename(temp, this.file);
  }

  async remove(): Promise<void> {
    await rm(this.file, { force: true });
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

function serialize(content: unknown): string {
  return typeof content === 'string' ? content : JSON.stringify(content, null, 2);
}
