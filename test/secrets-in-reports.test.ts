import 'reflect-metadata';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Type } from 'class-transformer';
import {
  IsString,
  Matches,
  Validate,
  ValidateNested,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConfigValidationError,
  createValidationRules,
  validateConfigText,
  type ConfigReloaderService,
} from '../lib/index.js';
import { CapturingLogger } from './support/capturing-logger.js';
import { ConfigDir } from './support/config-dir.js';
import { bootReloader, type ReloaderHarness } from './support/reloader-app.js';
import { waitFor } from './support/wait-for.js';

const LIVE_KEY = 'LIVEKEY_9f8e7d6c5b4a';
const DB_PASSWORD = 'hunter2!';

@ValidatorConstraint({ name: 'jsonCredentials' })
class JsonCredentials implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    // A validator that trusts its input: JSON.parse quotes the text it chokes on.
    return typeof JSON.parse(String(value)) === 'object';
  }
}

class Exchange {
  @IsString() name!: string;
  @Matches(/^sk_/, { message: '$property $value is bad' }) apiKey!: string;
  @Matches(/^sk_/, { message: (args) => `secret ${String(args.value)} must start with sk_` })
  apiSecret!: string;
}

class Database {
  @Validate(JsonCredentials) password!: string;
}

class Bot {
  @ValidateNested() @Type(() => Exchange) exchange!: Exchange;
  @ValidateNested() @Type(() => Database) db!: Database;
}

const good = {
  exchange: { name: 'paper', apiKey: 'sk_ok', apiSecret: 'sk_ok2' },
  db: { password: '{"user":"app"}' },
};

describe('no secret value in what the module reports', () => {
  let dir: ConfigDir | undefined;
  let harness: ReloaderHarness<Bot> | undefined;

  afterEach(async () => {
    await harness?.close();
    await dir?.dispose();
    harness = dir = undefined;
  });

  const boot = async (initial: object, logger: CapturingLogger) => {
    dir = await ConfigDir.create(initial);
    harness = await bootReloader<Bot>(
      {
        configPath: dir.file,
        dto: Bot,
        debounceMs: 0,
        auditLogPath: join(dir.dir, 'audit.jsonl'),
      },
      { logger },
    );
    return harness;
  };

  /** Everything the module said about a failure: error, health, event, audit, log. */
  const everythingSaid = async (
    service: ConfigReloaderService<Bot>,
    failed: ReloaderHarness<Bot>['failed'],
    logger: CapturingLogger,
  ) =>
    [
      failed.map((event) => `${event.error.message} ${JSON.stringify(event.error)}`).join('\n'),
      JSON.stringify(service.getHealth()),
      await readFile(join(dir!.dir, 'audit.jsonl'), 'utf8'),
      logger.text,
    ].join('\n');

  it('replaces a DTO message that quotes a secret value with the rule name and the path', async () => {
    const logger = new CapturingLogger();
    const { service, failed } = await boot(good, logger);
    await dir!.write({
      ...good,
      exchange: { name: 'paper', apiKey: LIVE_KEY, apiSecret: `${LIVE_KEY}-2` },
    });
    await waitFor(() => failed.length === 1, { description: 'the failure' });
    const error = failed[0]!.error as ConfigValidationError;
    expect(error.issues).toEqual([
      { path: 'exchange.apiKey', message: 'failed Matches' },
      { path: 'exchange.apiSecret', message: 'failed Matches' },
    ]);
    const said = await everythingSaid(service, failed, logger);
    expect(said).toContain('exchange.apiKey: failed Matches');
    expect(said).not.toContain('LIVEKEY');
  });

  it("keeps a validator's exception, which may quote the value, in the error's cause only", async () => {
    const logger = new CapturingLogger();
    const { service, failed } = await boot(good, logger);
    await dir!.write({ ...good, db: { password: DB_PASSWORD } });
    await waitFor(() => failed.length === 1, { description: 'the failure' });
    const error = failed[0]!.error as ConfigValidationError;
    expect(error.code).toBe('CONFIG_VALIDATION');
    expect(error.message).toContain('a validator threw SyntaxError');
    expect(String((error.cause as Error).message)).toContain('hunter2'); // the app may look
    const said = await everythingSaid(service, failed, logger);
    expect(said).not.toContain('hunter2');
  });

  it('hides key names below a secret key and escapes control characters in log lines', async () => {
    const logger = new CapturingLogger();
    dir = await ConfigDir.create({ apiTokens: { tok_live_old: 'a' }, label: 'x' });
    harness = await bootReloader(
      { configPath: dir.file, debounceMs: 0, auditLogPath: join(dir.dir, 'audit.jsonl') },
      { logger },
    );
    const { reloaded } = harness;
    await dir.write({
      apiTokens: { tok_live_new: 'b' },
      label: 'x',
      'x\u001b[2J\nFAKE LOG LINE': 1,
    });
    await waitFor(() => reloaded.length === 1, { description: 'the reload' });
    expect(reloaded[0]!.changes).toEqual(['apiTokens.[REDACTED]', 'x\u001b[2J\nFAKE LOG LINE']);
    const audit = await readFile(join(dir.dir, 'audit.jsonl'), 'utf8');
    const said = `${audit}\n${logger.text}`;
    expect(said).not.toContain('tok_live');
    const applied = logger.lines.find((line) => line.text.includes('config v2 applied'))!.text;
    expect(applied).toContain('apiTokens.[REDACTED]');
    expect(applied).toContain('x\\u001b[2J\\u000aFAKE LOG LINE');
    expect(applied).not.toContain('\n');
  });

  it('reports a duplicate key below a secret key without its name', async () => {
    const logger = new CapturingLogger();
    const { service, failed } = await boot(good, logger);
    await dir!.write('{"apiTokens": {"tok_live_dup": 1, "tok_live_dup": 2}}');
    await waitFor(() => failed.length === 1, { description: 'the failure' });
    expect(failed[0]!.error.code).toBe('CONFIG_PARSE');
    expect(failed[0]!.error.message).toContain('duplicate key apiTokens.[REDACTED]');
    expect(await everythingSaid(service, failed, logger)).not.toContain('tok_live');
  });

  it('never quotes an unquoted name in a parse error', async () => {
    const logger = new CapturingLogger();
    const { service, failed } = await boot(good, logger);
    await dir!.write('{"db": {Pa55w0rdX: 1}}');
    await waitFor(() => failed.length === 1, { description: 'the failure' });
    expect(failed[0]!.error.message).toContain('found an unquoted name');
    expect(await everythingSaid(service, failed, logger)).not.toContain('Pa55w0rdX');
  });
});

describe('validateConfigText', () => {
  it('turns a throwing validator into a typed ConfigValidationError, its text in the cause', async () => {
    const rules = await createValidationRules({ dto: Bot });
    const text = JSON.stringify({ ...good, db: { password: DB_PASSWORD } });
    const failure = await validateConfigText(text, 'bot.json', rules).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ConfigValidationError);
    expect((failure as ConfigValidationError).code).toBe('CONFIG_VALIDATION');
    expect((failure as Error).message).not.toContain('hunter2');
  });
});
