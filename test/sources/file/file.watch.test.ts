import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { WatchFunction } from '../../../lib/index.js';
import { FileWatch } from '../../../lib/sources/file/file.watch.js';
import { ConfigDir } from '../../support/config-dir.js';
import { waitFor } from '../../support/wait-for.js';

/** A directory watcher under the test's control: ready at once, events when the test says. */
function scriptedWatch() {
  const watchers: EventEmitter[] = [];
  const watch: WatchFunction = () => {
    const fake = new EventEmitter() as EventEmitter & { close(): Promise<void> };
    fake.close = async () => void fake.removeAllListeners();
    watchers.push(fake);
    setImmediate(() => fake.emit('ready'));
    return fake as unknown as ReturnType<WatchFunction>;
  };
  return {
    watch,
    emit: (event: string, path: string) => watchers.at(-1)!.emit('all', event, path),
  };
}

describe('FileWatch signals', () => {
  let dir: ConfigDir;
  let fileWatch: FileWatch | undefined;

  afterEach(async () => {
    await fileWatch?.close();
    await dir?.dispose();
  });

  /** A watch on a file that always looks moved (no read ever happens in these tests). */
  async function start(watch: WatchFunction) {
    dir = await ConfigDir.create({ revision: 1 });
    const signals: string[] = [];
    let checks = 0;
    fileWatch = new FileWatch(
      dir.file,
      async () => {
        checks++;
        return true;
      },
      {
        changed: () => void signals.push('changed'),
        error: (error) => void signals.push(String(error)),
      },
      {
        watch,
        usePolling: false,
        pollingIntervalMs: 100,
        verifyIntervalMs: 5,
        onWarning: () => undefined,
      },
      () => undefined,
    );
    await fileWatch.start();
    return { signals, checks: () => checks };
  }

  it('says "moved" once per read, however often the cheap check finds the file moved', async () => {
    const { signals, checks } = await start(scriptedWatch().watch);
    const seen = checks();
    await waitFor(() => checks() >= seen + 5, { description: 'five more cheap checks' });
    expect(signals).toEqual(['changed']);

    fileWatch!.readDone(1_000);
    await waitFor(() => signals.length === 2, { description: 'the signal after the read' });
    expect(signals).toEqual(['changed', 'changed']);
  });

  it('never adds a cheap-check signal to a watcher event that is waiting for its read', async () => {
    // A second signal would restart the reload path's quiet period: a 1 s debounce became 2 s.
    const scripted = scriptedWatch();
    const { signals, checks } = await start(scripted.watch);
    fileWatch!.readDone(1_000);
    signals.length = 0;
    scripted.emit('change', dir.file);
    const seen = checks();
    await waitFor(() => checks() >= seen + 5, { description: 'five more cheap checks' });
    expect(signals).toEqual(['changed']);
    // Watcher events always pass: a new write restarts the quiet period, as it should.
    scripted.emit('change', dir.file);
    expect(signals).toEqual(['changed', 'changed']);
  });
});
