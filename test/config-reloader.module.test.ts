import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import { Test, type TestingModule } from '@nestjs/testing';
import { Type } from 'class-transformer';
import { IsInt, IsString, Max, Min, ValidateNested } from 'class-validator';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CONFIG_RELOADED,
  ConfigNotFoundError,
  ConfigParseError,
  ConfigReloaderModule,
  ConfigReloaderOptionsError,
  ConfigReloaderService,
  ConfigValidationError,
  InjectConfigReloader,
  getConfigReloaderToken,
  type ConfigReloadedEvent,
} from '../lib/index.js';
import { ConfigDir } from './support/config-dir.js';

class RiskDto {
  @Min(0)
  @Max(1)
  stopLoss!: number;
}

class AppConfigDto {
  @IsString()
  botName!: string;

  @IsInt()
  @Min(1)
  fastPeriod!: number;

  @ValidateNested()
  @Type(() => RiskDto)
  risk!: RiskDto;
}

const validConfig = (fastPeriod = 10, stopLoss = 0.02) => ({
  botName: 'trend',
  fastPeriod,
  risk: { stopLoss },
});

@Injectable()
class ReloadRecorder {
  readonly events: ConfigReloadedEvent<AppConfigDto>[] = [];

  @OnEvent(CONFIG_RELOADED)
  handle(event: ConfigReloadedEvent<AppConfigDto>): void {
    this.events.push(event);
  }
}

describe('ConfigReloaderModule', () => {
  const dirs: ConfigDir[] = [];
  let moduleRef: TestingModule | undefined;

  async function configDir(content: unknown = validConfig()): Promise<ConfigDir> {
    const dir = await ConfigDir.create(content);
    dirs.push(dir);
    return dir;
  }

  async function boot(imports: any[], providers: any[] = []): Promise<TestingModule> {
    moduleRef = await Test.createTestingModule({
      imports: [EventEmitterModule.forRoot(), ...imports],
      providers,
    }).compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    return moduleRef;
  }

  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
    await Promise.all(dirs.splice(0).map((dir) => dir.dispose()));
  });

  it('loads the initial config as a frozen DTO instance at version 1', async () => {
    const dir = await configDir();
    const app = await boot([
      ConfigReloaderModule.forRoot({ configPath: dir.file, dto: AppConfigDto, autoReload: false }),
    ]);
    const service = app.get(ConfigReloaderService<AppConfigDto>);
    expect(service.config).toBeInstanceOf(AppConfigDto);
    expect(service.config.risk).toBeInstanceOf(RiskDto);
    expect(service.config.fastPeriod).toBe(10);
    expect(service.version).toBe(1);
    expect(service.name).toBe('default');
    expect(service.configPath).toBe(dir.file);
    expect(Object.isFrozen(service.config)).toBe(true);
    expect(Object.isFrozen(service.config.risk)).toBe(true);
    expect(service.getHistory()).toMatchObject([{ version: 1, source: 'initial' }]);
  });

  it('applies a manual reload, emits config_reloaded to @OnEvent handlers with the changed paths', async () => {
    const dir = await configDir();
    const onReloadCalls: [AppConfigDto, AppConfigDto][] = [];
    const app = await boot(
      [
        ConfigReloaderModule.forRoot({
          configPath: dir.file,
          dto: AppConfigDto,
          autoReload: false,
          onReload: (next, previous) => void onReloadCalls.push([next, previous]),
        }),
      ],
      [ReloadRecorder],
    );
    const service = app.get(ConfigReloaderService<AppConfigDto>);
    const listened: ConfigReloadedEvent<AppConfigDto>[] = [];
    service.onReload((event) => void listened.push(event));

    await dir.write(validConfig(12, 0.05));
    const applied = await service.reloadConfig();

    expect(applied.fastPeriod).toBe(12);
    expect(service.version).toBe(2);
    const recorder = app.get(ReloadRecorder);
    await expect.poll(() => recorder.events.length).toBe(1);
    const event = recorder.events[0]!;
    expect(event).toMatchObject({
      name: 'default',
      version: 2,
      previousVersion: 1,
      source: 'manual',
    });
    expect(event.changes.sort()).toEqual(['fastPeriod', 'risk.stopLoss']);
    expect(event.newConfig).toBe(service.config);
    expect(event.oldConfig.fastPeriod).toBe(10);
    expect(event.timestamp).toBeInstanceOf(Date);
    expect(listened).toHaveLength(1);
    expect(listened[0]!.version).toBe(2);
    expect(onReloadCalls).toHaveLength(1);
    expect(onReloadCalls[0]![0].fastPeriod).toBe(12);
    expect(onReloadCalls[0]![1].fastPeriod).toBe(10);
  });

  it('does nothing when the content is unchanged', async () => {
    const dir = await configDir();
    const app = await boot([
      ConfigReloaderModule.forRoot({ configPath: dir.file, autoReload: false }),
    ]);
    const service = app.get(ConfigReloaderService);
    const events: unknown[] = [];
    service.onReload((event) => void events.push(event));
    const before = service.config;
    await dir.write(validConfig()); // same bytes, new mtime
    await service.reloadConfig();
    expect(service.version).toBe(1);
    expect(service.config).toBe(before);
    expect(events).toHaveLength(0);
  });

  it('applies silently with notify: false', async () => {
    const dir = await configDir();
    const onReload: unknown[] = [];
    const app = await boot(
      [
        ConfigReloaderModule.forRoot({
          configPath: dir.file,
          autoReload: false,
          onReload: () => void onReload.push(1),
        }),
      ],
      [ReloadRecorder],
    );
    const service = app.get(ConfigReloaderService);
    const listened: unknown[] = [];
    service.onReload((event) => void listened.push(event));
    await dir.write(validConfig(20));
    await service.reloadConfig({ notify: false });
    expect(service.version).toBe(2);
    expect((service.config as { fastPeriod: number }).fastPeriod).toBe(20);
    // Give any stray async emission a chance to land before asserting that none did.
    await new Promise((resolve) => setImmediate(resolve));
    expect(listened).toHaveLength(0);
    expect(onReload).toHaveLength(0);
    expect(app.get(ReloadRecorder).events).toHaveLength(0);
  });

  it('rejects a failed manual reload with the typed error and keeps the config', async () => {
    const dir = await configDir();
    const app = await boot([
      ConfigReloaderModule.forRoot({ configPath: dir.file, dto: AppConfigDto, autoReload: false }),
    ]);
    const service = app.get(ConfigReloaderService<AppConfigDto>);
    const before = service.config;

    await dir.write(validConfig(10, 5));
    const error = await service.reloadConfig().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect((error as ConfigValidationError).issues).toEqual([
      { path: 'risk.stopLoss', message: expect.stringContaining('stopLoss') },
    ]);

    await dir.write('{ "botName": "x", }');
    await expect(service.reloadConfig()).rejects.toMatchObject({
      code: 'CONFIG_PARSE',
      line: 1,
      column: 17, // the comma that JSON does not allow before "}"
    });
    expect(service.config).toBe(before);
    expect(service.version).toBe(1);
    expect(service.getHistory()).toHaveLength(1);
  });

  it('isolates a throwing listener and a rejecting listener from the others', async () => {
    const dir = await configDir();
    const app = await boot([
      ConfigReloaderModule.forRoot({
        configPath: dir.file,
        autoReload: false,
        onReload: () => {
          throw new Error('callback exploded');
        },
      }),
    ]);
    const service = app.get(ConfigReloaderService);
    const reached: string[] = [];
    service.onReload(() => {
      throw new Error('listener exploded');
    });
    service.onReload(async () => {
      throw new Error('async listener exploded');
    });
    service.onReload(() => void reached.push('third'));

    await dir.write(validConfig(11));
    await expect(service.reloadConfig()).resolves.toMatchObject({ fastPeriod: 11 });
    expect(service.version).toBe(2);
    expect(reached).toEqual(['third']);
  });

  it('unsubscribes a listener', async () => {
    const dir = await configDir();
    const app = await boot([
      ConfigReloaderModule.forRoot({ configPath: dir.file, autoReload: false }),
    ]);
    const service = app.get(ConfigReloaderService);
    const seen: number[] = [];
    const unsubscribe = service.onReload((event) => void seen.push(event.version));
    await dir.write(validConfig(11));
    await service.reloadConfig();
    unsubscribe();
    await dir.write(validConfig(12));
    await service.reloadConfig();
    expect(seen).toEqual([2]);
  });

  it('supports forRootAsync with injected dependencies', async () => {
    const dir = await configDir();
    @Module({
      providers: [{ provide: 'CONFIG_FILE', useValue: dir.file }],
      exports: ['CONFIG_FILE'],
    })
    class PathModule {}

    const app = await boot([
      ConfigReloaderModule.forRootAsync({
        imports: [PathModule],
        inject: ['CONFIG_FILE'],
        useFactory: async (configPath: string) => ({ configPath, autoReload: false }),
      }),
    ]);
    const service = app.get(ConfigReloaderService);
    expect(service.configPath).toBe(dir.file);
    expect(service.version).toBe(1);
  });

  it('registers named instances, each injectable by name', async () => {
    const strategy = await configDir(validConfig(5));
    const risk = await configDir({ maxDrawdown: 0.2 });

    @Injectable()
    class Consumer {
      constructor(
        @InjectConfigReloader() readonly main: ConfigReloaderService,
        @InjectConfigReloader('risk') readonly risk: ConfigReloaderService<{ maxDrawdown: number }>,
        readonly plain: ConfigReloaderService,
      ) {}
    }

    const app = await boot(
      [
        ConfigReloaderModule.forRoot({ configPath: strategy.file, autoReload: false }),
        ConfigReloaderModule.forRoot({ name: 'risk', configPath: risk.file, autoReload: false }),
      ],
      [Consumer],
    );
    const consumer = app.get(Consumer);
    expect(consumer.main).toBe(consumer.plain);
    expect(consumer.main.name).toBe('default');
    expect(consumer.risk.name).toBe('risk');
    expect(consumer.risk.config.maxDrawdown).toBe(0.2);
    expect(app.get(getConfigReloaderToken('risk'))).toBe(consumer.risk);
  });

  it('makes the service available everywhere with isGlobal', async () => {
    const dir = await configDir();

    @Injectable()
    class DeepConsumer {
      constructor(readonly reloader: ConfigReloaderService) {}
    }
    @Module({ providers: [DeepConsumer], exports: [DeepConsumer] })
    class FeatureModule {}

    const app = await boot([
      ConfigReloaderModule.forRoot({ configPath: dir.file, autoReload: false, isGlobal: true }),
      FeatureModule,
    ]);
    expect(app.get(DeepConsumer).reloader.version).toBe(1);
  });

  it('fails module init on a missing, unparsable or invalid initial config', async () => {
    const dir = await configDir();
    await expect(
      boot([ConfigReloaderModule.forRoot({ configPath: `${dir.file}.missing` })]),
    ).rejects.toBeInstanceOf(ConfigNotFoundError);

    await dir.write('{"botName": ');
    await expect(
      boot([ConfigReloaderModule.forRoot({ configPath: dir.file })]),
    ).rejects.toBeInstanceOf(ConfigParseError);

    await dir.write(validConfig(0));
    await expect(
      boot([ConfigReloaderModule.forRoot({ configPath: dir.file, dto: AppConfigDto })]),
    ).rejects.toBeInstanceOf(ConfigValidationError);
  });

  it('checks options where the module is declared', () => {
    expect(() => ConfigReloaderModule.forRoot({ configPath: '' })).toThrow(
      ConfigReloaderOptionsError,
    );
    expect(() => ConfigReloaderModule.forRoot({ configPath: 'x.json', debounceMs: -1 })).toThrow(
      /debounceMs/,
    );
  });

  it('checks forRootAsync options when the factory resolves', async () => {
    await expect(
      boot([
        ConfigReloaderModule.forRootAsync({
          useFactory: () => ({ configPath: 'x.json', debounceMs: -5 }),
        }),
      ]),
    ).rejects.toThrow(/debounceMs/);
  });

  it('suggests the nearest option name for an unknown key in the forRootAsync factory result', async () => {
    const dir = await configDir();
    const error = await boot([
      ConfigReloaderModule.forRootAsync({
        useFactory: () => ({ configPath: dir.file, debounce: 500 }) as { configPath: string },
      }),
    ]).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(ConfigReloaderOptionsError);
    expect((error as Error).message).toContain(
      'unknown option "debounce"; did you mean "debounceMs"?',
    );
  });

  it('rejects reloadConfig after the module is closed', async () => {
    const dir = await configDir();
    const app = await boot([ConfigReloaderModule.forRoot({ configPath: dir.file })]);
    const service = app.get(ConfigReloaderService);
    expect(service.isWatching).toBe(true);
    await app.close();
    moduleRef = undefined;
    expect(service.isWatching).toBe(false);
    await expect(service.reloadConfig()).rejects.toMatchObject({ code: 'CONFIG_CLOSED' });
  });
});

/** A DTO whose construction throws once armed, like a buggy custom transformer. */
class ExplodingDto {
  @IsInt()
  fastPeriod!: number;

  constructor() {
    if ((globalThis as { armed?: boolean }).armed) throw new Error('boom in a custom validator');
  }
}

describe('ConfigReloaderModule: instance names and failure isolation', () => {
  it('refuses two instances with one name in one application', async () => {
    const dir = await ConfigDir.create(validConfig());
    try {
      const building = Test.createTestingModule({
        imports: [
          ConfigReloaderModule.forRoot({ name: 'risk', configPath: dir.file, autoReload: false }),
          ConfigReloaderModule.forRoot({ name: 'risk', configPath: dir.file, debounceMs: 5 }),
        ],
      }).compile();
      await expect(building).rejects.toThrow(/"risk".*used twice/);
    } finally {
      await dir.dispose();
    }
  });

  it('lets two applications use the same name', async () => {
    const dir = await ConfigDir.create(validConfig());
    const build = () =>
      Test.createTestingModule({
        imports: [ConfigReloaderModule.forRoot({ configPath: dir.file, autoReload: false })],
      }).compile();
    const [first, second] = await Promise.all([build(), build()]);
    try {
      expect(first.get(ConfigReloaderService).version).toBe(1);
      expect(second.get(ConfigReloaderService).version).toBe(1);
    } finally {
      await Promise.all([first.close(), second.close(), dir.dispose()]);
    }
  });

  it('reports a validator that throws as a validation failure, never out of a timer', async () => {
    const dir = await ConfigDir.create(validConfig());
    const failures: unknown[] = [];
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigReloaderModule.forRoot({
          configPath: dir.file,
          debounceMs: 5,
          verifyIntervalMs: 20,
          onError: (error) => void failures.push(error),
          dto: ExplodingDto,
        }),
      ],
    }).compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    try {
      (globalThis as { armed?: boolean }).armed = true;
      await dir.write(validConfig(11));
      await expect.poll(() => failures.length, { timeout: 5000 }).toBe(1);
      expect(failures[0]).toBeInstanceOf(ConfigValidationError);
      // What it threw may quote a value: it is kept in the cause, not in the message.
      const failure = failures[0] as ConfigValidationError;
      expect(failure.message).toContain('a validator threw Error instead of reporting an issue');
      expect(failure.message).not.toContain('boom in a custom validator');
      expect((failure.cause as Error).message).toContain('boom in a custom validator');
    } finally {
      delete (globalThis as { armed?: boolean }).armed;
      await moduleRef.close();
      await dir.dispose();
    }
  });
});
