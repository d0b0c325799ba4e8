import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Test, TestingModule } from '@nestjs/testing';
import { metrics } from '@opentelemetry/api';
import {
  CONFIG_RELOADED,
  CONFIG_RELOAD_FAILED,
  ConfigReloadError,
  ConfigReloaderService,
  ConfigValidationError,
  type ConfigMetrics,
  type ConfigReloadedEvent,
  type ConfigReloadFailedEvent,
} from 'nestjs-config-reloader';
import { openTelemetryMetrics } from 'nestjs-config-reloader/opentelemetry';
import { Registry } from 'prom-client';
import { AppModule } from '../src/app.module';
import { GreetingConfig } from '../src/greeting.config';
import { GreetingService } from '../src/greeting.service';
import { HealthController } from '../src/health.controller';

/** The next `event` the app emits; rejects when none comes within `timeoutMs`. */
function nextEvent<T>(emitter: EventEmitter2, event: string, timeoutMs = 10_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const listener = (payload: T) => {
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(payload);
    };
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    emitter.on(event, listener);
  });
}

describe('nestjs-config-reloader in a Nest 11 CommonJS app under Jest', () => {
  let dir: string;
  let configPath: string;
  let app: TestingModule;
  let events: EventEmitter2;
  const greet = () => app.get(GreetingService).greet('Ada');
  // The app's registry as Prometheus would scrape it.
  const scrape = () => app.get(Registry).metrics();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'consumer-nest11-'));
    configPath = join(dir, 'greeting.json');
    await writeFile(configPath, JSON.stringify({ greeting: 'Hello', repeat: 1 }));
    app = await Test.createTestingModule({ imports: [AppModule.forConfig(configPath)] }).compile();
    app.useLogger(false);
    await app.init();
    events = app.get(EventEmitter2);
  });

  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('loads the file at start, validated, and injects the service by its class', () => {
    expect(greet()).toBe('Hello, Ada!');
    expect(app.get(ConfigReloaderService).config).toBeInstanceOf(GreetingConfig);
  });

  it('refuses an edit the DTO rejects, and keeps the last good config', async () => {
    const failed = nextEvent<ConfigReloadFailedEvent>(events, CONFIG_RELOAD_FAILED);
    await writeFile(configPath, JSON.stringify({ greeting: 'Hello', repeat: 0 }));
    const { error } = await failed;
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect(error).toBeInstanceOf(ConfigReloadError);
    expect(error.code).toBe('CONFIG_VALIDATION');
    expect((error as ConfigValidationError).issues).toEqual([
      expect.objectContaining({ path: 'repeat' }),
    ]);
    expect(greet()).toBe('Hello, Ada!');
    expect(await scrape()).toContain(
      'config_reloader_reloads_total{name="default",source="file",result="rejected"} 1',
    );
    // terminus 11 has no 'degraded' state: the check passes, and the details say degraded.
    const health = await app.get(HealthController).check();
    expect(health.status).toBe('ok');
    expect(health.details.config).toMatchObject({ status: 'up', reloaderStatus: 'degraded' });
  }, 30_000);

  it('reloads a valid edit of the file', async () => {
    const reloaded = nextEvent<ConfigReloadedEvent<GreetingConfig>>(events, CONFIG_RELOADED);
    await writeFile(configPath, JSON.stringify({ greeting: 'Hi', repeat: 2 }));
    const event = await reloaded;
    expect([...event.changes].sort()).toEqual(['greeting', 'repeat']);
    expect(greet()).toBe('Hi, Ada! Hi, Ada!');
    expect(await scrape()).toContain(
      'config_reloader_reloads_total{name="default",source="file",result="applied"} 1',
    );
    const health = await app.get(HealthController).check();
    expect(health.details.config).toMatchObject({ status: 'up', consecutiveErrors: 0 });
  }, 30_000);

  it("builds the OpenTelemetry adapter from its entry point, on the app's own @opentelemetry/api", () => {
    const adapter: ConfigMetrics = openTelemetryMetrics({
      meterProvider: metrics.getMeterProvider(),
    });
    expect(adapter.attach).toEqual(expect.any(Function));
  });
});
