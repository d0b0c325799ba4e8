import 'reflect-metadata';
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConfigAccessError,
  ConfigConflictError,
  ConfigReloadError,
  ConfigSourceUnavailableError,
  type ConfigSource,
  type SourceListener,
  type SourceSnapshot,
  type SourceWatch,
} from '../../lib/index.js';
import { CapturingLogger } from '../support/capturing-logger.js';
import { MemorySource } from '../support/memory.source.js';
import { bootReloader, type ReloaderHarness } from '../support/reloader-app.js';
import { waitFor } from '../support/wait-for.js';

type Bot = { revision: string };

const json = (revision: string) => JSON.stringify({ revision });

/** The example source, counting reads and closes to show what the reload path asks of it. */
class CountingSource extends MemorySource {
  reads = 0;
  closed = 0;

  override read(): Promise<SourceSnapshot> {
    this.reads++;
    return super.read();
  }

  async close(): Promise<void> {
    this.closed++;
  }
}

/** The example source, which can also say that it lost its server, and why. */
class RemoteSource extends MemorySource {
  private readonly watching: SourceListener[] = [];

  override watch(listener: SourceListener): Promise<SourceWatch> {
    this.watching.push(listener);
    return super.watch(listener);
  }

  connectivity(connected: boolean, cause?: ConfigReloadError): void {
    for (const listener of this.watching) listener.connectivity?.(connected, cause);
  }

  watchError(error: unknown): void {
    for (const listener of this.watching) listener.error(error);
  }
}

describe('a ConfigSource of your own (the example in docs/sources.md)', () => {
  let harness: ReloaderHarness<Bot> | undefined;

  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  const boot = async (
    source: ConfigSource,
    extra: { beforeApply?: (next: Bot) => void } = {},
    logger?: CapturingLogger,
  ) => {
    harness = await bootReloader<Bot>(
      {
        configSource: source,
        debounceMs: 0,
        schema: { type: 'object', required: ['revision'] },
        ...extra,
      },
      { logger },
    );
    return harness;
  };

  it('loads, watches and applies through the shared reload path', async () => {
    const source = new CountingSource('bot', json('A'));
    const { service, reloaded } = await boot(source);
    expect(service.config).toEqual({ revision: 'A' });
    expect(service.sourceId).toBe('memory:bot');
    expect(service.configPath).toBeUndefined();
    expect(service.getHealth()).toMatchObject({
      status: 'up',
      isWatching: true,
      watchMode: 'push',
    });
    expect(service.getHistory()[0]).toMatchObject({ version: 1, source: 'initial', revision: '1' });

    const readsBefore = source.reads;
    source.publish(json('B'));
    await waitFor(() => reloaded.length === 1, { description: 'the reload' });
    expect(reloaded[0]).toMatchObject({ version: 2, source: 'watch', changes: ['revision'] });
    expect(service.config).toEqual({ revision: 'B' });
    expect(service.getHistory()[1]).toMatchObject({ version: 2, source: 'watch', revision: '2' });
    // The source handed the document over with the change: nobody read it again.
    expect(source.reads).toBe(readsBefore);
    expect(source.outcomes.at(-1)).toMatchObject({
      state: 'applied',
      version: 2,
      revision: '2',
      text: json('B'),
    });
  });

  it('rejects an invalid document, keeps the config and tells the source why', async () => {
    const source = new MemorySource('bot', json('A'));
    const { service, failed } = await boot(source);
    source.publish('{"revision": ');
    await waitFor(() => failed.length === 1, { description: 'the failure report' });
    expect(failed[0]!.error.code).toBe('CONFIG_PARSE');
    expect(failed[0]!.error.message).toContain('memory:bot');
    expect(service.config).toEqual({ revision: 'A' });
    expect(service.version).toBe(1);
    expect(source.outcomes.at(-1)).toMatchObject({
      state: 'rejected',
      version: 1,
      revision: '2',
      error: { code: 'CONFIG_PARSE' },
    });
  });

  it('rolls back through write() with compare-and-swap, and refuses when the source moved', async () => {
    const source = new MemorySource('bot', json('A'));
    const { service, reloaded } = await boot(source);
    source.publish(json('B'));
    await waitFor(() => service.version === 2, { description: 'v2' });

    const release = service.hold('open order');
    source.publish(json('C')); // staged while the hold lasts: not in force, but at the source
    await waitFor(() => service.getHealth().pending, { description: 'the staged change' });
    expect(source.outcomes.at(-1)).toMatchObject({ state: 'staged', version: 2, revision: '3' });
    const conflict = await service.rollback(1).catch((error: unknown) => error);
    expect(conflict).toBeInstanceOf(ConfigConflictError);
    expect(conflict).toBeInstanceOf(ConfigReloadError);
    expect((conflict as ConfigConflictError).code).toBe('CONFIG_CONFLICT');
    expect(await source.read()).toMatchObject({ text: json('C'), revision: '3' });
    release();
    await waitFor(() => service.version === 3, { description: 'the staged change applied' });

    await service.rollback(1);
    expect(service.config).toEqual({ revision: 'B' });
    expect(reloaded.at(-1)).toMatchObject({ version: 4, source: 'rollback' });
    expect(await source.read()).toMatchObject({ text: json('B'), revision: '4' });
  });

  it('refuses to roll back a source that cannot be written, and changes nothing', async () => {
    const source = new MemorySource('bot', json('A'));
    const readOnly: ConfigSource = {
      id: source.id,
      read: () => source.read(),
      watch: (listener) => source.watch(listener),
    };
    const { service } = await boot(readOnly);
    source.publish(json('B'));
    await waitFor(() => service.version === 2, { description: 'v2' });
    const error = await service.rollback(1).catch((reason: unknown) => reason);
    expect(error).toMatchObject({ code: 'CONFIG_ROLLBACK' });
    expect((error as Error).message).toContain('memory:bot cannot be written');
    expect(service.version).toBe(2);
    expect(service.config).toEqual({ revision: 'B' });
  });

  it('runs beforeApply on a source change like on a file change', async () => {
    const source = new MemorySource('bot', json('A'));
    const { service, failed } = await boot(source, {
      beforeApply: (next) => {
        if (next.revision === 'forbidden') throw new Error('not today');
      },
    });
    source.publish(json('forbidden'));
    await waitFor(() => failed.length === 1, { description: 'the veto' });
    expect(failed[0]!.error.code).toBe('CONFIG_REJECTED');
    expect(service.config).toEqual({ revision: 'A' });
  });

  it('closes the watch and the source when the module is destroyed', async () => {
    const source = new CountingSource('bot', json('A'));
    const { service } = await boot(source);
    await harness!.close();
    harness = undefined;
    expect(source.closed).toBe(1);
    expect(service.isWatching).toBe(false);
    source.publish(json('B'));
    expect(service.config).toEqual({ revision: 'A' });
  });

  it('shows in health why the source lost its server, and says it once per reason', async () => {
    const source = new RemoteSource('bot', json('A'));
    const logger = new CapturingLogger();
    const { service } = await boot(source, {}, logger);
    const warnings = () => logger.lines.filter((line) => line.level === 'warn').map((l) => l.text);

    source.connectivity(false); // no reason given
    expect(service.getHealth()).toMatchObject({
      status: 'degraded',
      lastErrorCode: 'CONFIG_UNAVAILABLE',
      lastError: expect.stringContaining('memory:bot cannot reach its server'),
    });
    const since = service.getHealth().unavailableSince;
    expect(since).toBeInstanceOf(Date);

    const refused = new ConfigAccessError('memory:bot', 'memory:bot refused our token.');
    source.connectivity(false, refused);
    source.connectivity(false, refused); // the same reason again: nothing new to say
    expect(service.getHealth()).toMatchObject({
      status: 'degraded',
      lastErrorCode: 'CONFIG_ACCESS',
      lastError: expect.stringMatching(
        /memory:bot refused our token\. Keeping config v1 until the server accepts us again/,
      ),
      unavailableSince: since, // lost since the first report, whatever the reason now
    });

    const down = new ConfigSourceUnavailableError('memory:bot', 'memory:bot: no answer.');
    source.connectivity(false, down);
    expect(service.getHealth().lastError).toMatch(
      /no answer\. Keeping config v1 until it answers again/,
    );
    expect(warnings()).toHaveLength(3);

    source.connectivity(true);
    expect(service.getHealth()).toMatchObject({ status: 'up', unavailableSince: null });
    expect(service.config).toEqual({ revision: 'A' });
  });

  it('names the source, not a file, when its watch reports an error', async () => {
    const source = new RemoteSource('bot', json('A'));
    const logger = new CapturingLogger();
    await boot(source, {}, logger);
    source.watchError(new Error('14 UNAVAILABLE: No connection established'));
    const warning = logger.lines.find((line) => line.level === 'warn')?.text;
    expect(warning).toMatch(
      /^\[default\] error while watching memory:bot: 14 UNAVAILABLE: No connection established/,
    );
  });

  it('is shown in docs/sources.md exactly as tested', async () => {
    const page = await readFile(new URL('../../docs/sources.md', import.meta.url), 'utf8');
    const example = await readFile(new URL('../support/memory.source.ts', import.meta.url), 'utf8');
    expect(page).toContain(example.trim());
  });
});
