import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConfigConflictError,
  ConfigReloadError,
  type ConfigHistoryEntry,
} from '../../lib/index.js';
import { ConfigDir } from '../support/config-dir.js';
import { bootReloader, type ReloaderHarness } from '../support/reloader-app.js';
import { waitFor } from '../support/wait-for.js';

interface Settings {
  revision: number | string;
}

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/** What a test can compare before and after a refused rollback: everything but the frozen objects. */
const summary = (history: ConfigHistoryEntry<Settings>[]) =>
  history.map(({ version, source, hash, revision, rawText, config }) => ({
    version,
    source,
    hash,
    revision,
    rawText,
    config: { ...config },
  }));

describe('rollback against a file that moved', () => {
  let dir: ConfigDir;
  let harness: ReloaderHarness<Settings> | undefined;

  async function start(autoReload: boolean, beforeApply?: (next: Readonly<Settings>) => void) {
    dir = await ConfigDir.create({ revision: 1 });
    harness = await bootReloader<Settings>({
      configPath: dir.file,
      autoReload,
      debounceMs: 20,
      verifyIntervalMs: 50,
      historySize: 100,
      beforeApply,
    });
    return harness;
  }

  /** v1 loaded, v2 saved and applied by hand: rollback(1) would go back to v1. */
  async function startAtVersionTwo(autoReload: boolean) {
    const { service } = await start(autoReload);
    await dir.write({ revision: 2 });
    await service.reloadConfig();
    expect(service.version).toBe(2);
    return harness!;
  }

  afterEach(async () => {
    await harness?.close();
    harness = undefined;
    await dir?.dispose();
  });

  /** The rollback is refused as a conflict, and the file, version, config and history stay as they were. */
  async function expectRefusedWithNothingChanged(newerSave: string) {
    const { service, reloaded } = harness!;
    const applied = service.getHistory().at(-1)!;
    const bytesBefore = await readFile(dir.file);
    expect(bytesBefore.toString('utf8')).toBe(newerSave);
    const historyBefore = summary(service.getHistory());
    const entriesBefore = (await readdir(dir.dir)).sort();
    const eventsBefore = reloaded.length;

    const outcome = await service.rollback(1).then(
      (config) => ({ resolvedWith: { ...config } }),
      (error: unknown) => error,
    );
    expect(outcome).toMatchObject({ code: 'CONFIG_CONFLICT' });
    expect(outcome).toBeInstanceOf(ConfigConflictError);
    expect(outcome).toBeInstanceOf(ConfigReloadError);
    expect(outcome).toMatchObject({
      expectedRevision: applied.revision,
      actualRevision: sha256(bytesBefore),
      configPath: dir.file,
    });

    // Byte for byte what the operator saved; no temp file left beside it.
    expect((await readFile(dir.file)).equals(bytesBefore)).toBe(true);
    expect((await readdir(dir.dir)).sort()).toEqual(entriesBefore);
    expect(service.version).toBe(2);
    expect(service.config).toEqual({ revision: 2 });
    expect(summary(service.getHistory())).toEqual(historyBefore);
    expect(reloaded).toHaveLength(eventsBefore);
  }

  it('refuses to overwrite a valid save that was never applied (ConfigConflictError)', async () => {
    await startAtVersionTwo(false);
    await dir.write({ revision: 3 });
    await expectRefusedWithNothingChanged(JSON.stringify({ revision: 3 }, null, 2));
  });

  for (const autoReload of [false, true]) {
    it(`refuses to overwrite an unparsable save (${autoReload ? 'its watcher reported it' : 'no watcher'})`, async () => {
      const { failed } = await startAtVersionTwo(autoReload);
      const broken = '{ "revision": 3, ';
      await dir.write(broken);
      if (autoReload) {
        await waitFor(() => failed.some((event) => event.error.code === 'CONFIG_PARSE'), {
          timeoutMs: 10_000,
          description: 'the watcher to report the unparsable save',
        });
      }
      await expectRefusedWithNothingChanged(broken);
    });
  }

  it('rolls back once the file holds the applied content again, with source rollback and the target hash', async () => {
    const { service, reloaded } = await startAtVersionTwo(false);
    const [first, second] = service.getHistory();
    await dir.write({ revision: 3 });
    await dir.write(second!.rawText); // the operator undoes the unapplied save

    await expect(service.rollback(1)).resolves.toEqual({ revision: 1 });
    expect(service.version).toBe(3);
    expect(service.getHistory().at(-1)).toMatchObject({
      version: 3,
      source: 'rollback',
      hash: first!.hash,
      revision: first!.hash,
      rawText: first!.rawText,
    });
    expect(await readFile(dir.file, 'utf8')).toBe(first!.rawText);
    expect(reloaded.at(-1)).toMatchObject({ version: 3, previousVersion: 2, source: 'rollback' });
  });

  it('applies exactly the rolled-back content while a writer keeps saving a vetoed one', async () => {
    const VETOED = 'C';
    const vetoedText = JSON.stringify({ revision: VETOED }, null, 2);
    let vetoes = 0;
    // The hammer starts when beforeApply vets the rollback target: the moment before the write.
    let armedFor: string | number | undefined;
    let startHammer: (() => void) | undefined;
    const { service, reloaded } = await start(true, (next) => {
      if (next.revision === VETOED) {
        vetoes++;
        throw new Error('revision C is never allowed');
      }
      if (armedFor !== undefined && next.revision === armedFor) {
        armedFor = undefined;
        startHammer?.();
      }
    });
    await dir.write({ revision: 'B' });
    await service.reloadConfig();
    expect(service.config).toEqual({ revision: 'B' });

    const outcomes: string[] = [];
    const ROUNDS = 20;
    // On a loaded machine the rollback's file operations can take longer than the hammer's
    // start delay in every round; each lost round then lets the next one start the hammer a
    // little later (1, 2, 4 ... 64 ms more), so that the race is run at every stage of the
    // write, not only after it has already been lost.
    let extraDelayMs = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const history = service.getHistory();
      const target = history.at(-2)!;
      const versionBefore = service.version;
      const vetoesBefore = vetoes;

      let stopping = false;
      let writesAfterSettled = 0;
      let hammer: Promise<void> = Promise.resolve();
      armedFor = target.config.revision;
      startHammer = () => {
        hammer = (async () => {
          // Each round starts the race a little later (0-3 ms, plus the extra delay above), so
          // that the first saves land before the rollback's compare-and-swap, during its write,
          // or right after it.
          await new Promise((resolve) => setTimeout(resolve, (round % 4) + extraDelayMs));
          // A tight loop of whole saves of the vetoed content, racing the rollback's write.
          while (!stopping || writesAfterSettled < 5) {
            await dir.writeAtomically(vetoedText);
            if (stopping) writesAfterSettled++;
          }
        })();
      };

      const outcome = await service.rollback(1).then(
        () => 'resolved',
        (error: unknown) => (error as ConfigReloadError).code ?? String(error),
      );
      stopping = true;
      await hammer;
      armedFor = undefined;
      outcomes.push(outcome);
      extraDelayMs = outcome === 'resolved' ? 0 : Math.min(64, Math.max(1, extraDelayMs * 2));
      expect(outcome, `round ${round}`).toMatch(/^(resolved|CONFIG_CONFLICT)$/);

      const added = service.getHistory().filter((entry) => entry.version > versionBefore);
      expect(
        added.map(({ source, hash, config }) => ({ source, hash, revision: config.revision })),
        `round ${round}: the versions the rollback added`,
      ).toEqual(
        outcome === 'resolved'
          ? [{ source: 'rollback', hash: target.hash, revision: target.config.revision }]
          : [],
      );
      expect(service.config.revision, `round ${round}`).not.toBe(VETOED);

      // The vetoed content, left on disk by the hammer, reaches the watcher and is refused there.
      await waitFor(() => vetoes > vetoesBefore, {
        timeoutMs: 10_000,
        description: `the watcher to veto the hammered content (round ${round})`,
      });
      expect(service.config.revision, `round ${round}`).not.toBe(VETOED);

      // Put the applied content back so that the next rollback starts from an unmoved file.
      await dir.writeAtomically(service.getHistory().at(-1)!.rawText);
    }

    expect(reloaded.map((event) => event.newConfig.revision)).not.toContain(VETOED);
    expect(service.getHistory().map((entry) => entry.config.revision)).not.toContain(VETOED);
    // The race was run for real: at least one rollback won it.
    expect(outcomes, outcomes.join(', ')).toContain('resolved');
  }, 120_000);
});
