import 'reflect-metadata';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from 'class-transformer';
import {
  IsOptional,
  Matches,
  Validate,
  ValidateNested,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
} from 'class-validator';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createValidationRules, validateConfigText } from '../lib/index.js';
import { CapturingLogger } from './support/capturing-logger.js';
import { MemorySource } from './support/memory.source.js';
import { bootReloader } from './support/reloader-app.js';
import { waitFor } from './support/wait-for.js';

/** Every secret value starts with this, so that one search finds any of them anywhere. */
const MARK = 'Zq9SECRET';

@ValidatorConstraint({ name: 'startsWithOk' })
class ThrowsOnTheValue implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    // A validator that quotes what it refuses in what it throws, as JSON.parse would.
    if (!String(value).startsWith('ok_')) throw new Error(`cannot use ${String(value)}`);
    return true;
  }
}

class Vault {
  @IsOptional() @Matches(/^ok_/, { message: '$property $value is bad' }) apiKey?: string;
  @IsOptional() @Validate(ThrowsOnTheValue) password?: string;
  @IsOptional()
  @Matches(/^ok_/, { message: (args) => `${String(args.value)} is not a token` })
  sessionToken?: string;
}

class Bot {
  @IsOptional() @ValidateNested() @Type(() => Vault) vault?: Vault;
}

const secretValue = fc.stringMatching(/^[A-Za-z0-9]{6,12}$/).map((tail) => `${MARK}${tail}`);
const plainKey = fc.constantFrom('exchange', 'db', 'limits', 'nested', 'feeds');
const secretKey = fc.constantFrom(
  'password',
  'apiKey',
  'DB_PASSWORD',
  'client-secret',
  'authToken',
  'privateKey',
  'mnemonic',
  'dsn',
  'sessionCookie',
  'hmac_key',
);

/** A secret somewhere: under a secret key, in a URL, behind Bearer, or as a key below one. */
const placedSecret = fc.oneof(
  fc.tuple(secretKey, secretValue).map(([key, value]) => ({ [key]: value })),
  fc.tuple(secretKey, secretValue).map(([key, value]) => ({ [key]: { inner: [value] } })),
  secretValue.map((value) => ({ url: `postgres://app:${value}@db:5432/bots` })),
  secretValue.map((value) => ({ header: `Bearer ${value}` })),
  secretValue.map((value) => ({ apiTokens: { [value]: { scope: 'trade' } } })),
);

/** Secrets at random depths below plain keys. */
const extras = fc.array(fc.tuple(fc.array(plainKey, { maxLength: 3 }), placedSecret), {
  maxLength: 4,
});

function nest(path: readonly string[], leaf: object): object {
  return path.reduceRight<object>((inner, key) => ({ [key]: inner }), leaf);
}

function configOf(vault: Vault, placed: readonly [string[], object][]): Record<string, unknown> {
  const config: Record<string, unknown> = { vault };
  placed.forEach(([path, leaf], index) => (config[`extra${index}`] = nest(path, leaf)));
  return config;
}

/** A vault whose fields are fine (`ok_...`) or a secret the DTO refuses in its own words. */
const vault = fc.record(
  {
    apiKey: fc.oneof(fc.constant('ok_1'), secretValue),
    password: fc.oneof(fc.constant('ok_2'), secretValue),
    sessionToken: fc.oneof(fc.constant('ok_3'), secretValue),
  },
  { requiredKeys: [] },
);

/** How the next text goes wrong, if it does: as written, cut short, or with a key twice. */
const damage = fc.constantFrom('none', 'truncated', 'duplicate-key', 'unquoted-secret');

function textOf(config: Record<string, unknown>, how: string, secret: string): string {
  const text = JSON.stringify(config, null, 2);
  if (how === 'truncated') return text.slice(0, Math.max(1, text.length - 3));
  if (how === 'duplicate-key') {
    return text.replace(/^\{/, `{"apiTokens": {"${secret}": 1, "${secret}": 2},`);
  }
  if (how === 'unquoted-secret') return text.replace(/^\{/, `{${secret}: 1,`);
  return text;
}

describe('no secret value leaves the config, whatever the DTO says and however a change fails', () => {
  it('is in no error, health, event, audit line, log line, source report or CLI result', async () => {
    const rules = await createValidationRules({ dto: Bot });
    await fc.assert(
      fc.asyncProperty(
        extras,
        vault,
        extras,
        damage,
        secretValue,
        async (before, nextVault, after, how, loose) => {
          const dir = await mkdtemp(join(tmpdir(), 'secrets-property-'));
          const logger = new CapturingLogger();
          const source = new MemorySource('bot', JSON.stringify(configOf({}, before)));
          const auditLogPath = join(dir, 'audit.jsonl');
          const harness = await bootReloader<Bot>(
            { configSource: source, dto: Bot, debounceMs: 0, auditLogPath },
            { logger },
          );
          try {
            // `changed` makes every next text differ from the first, so something is decided.
            const text = textOf({ ...configOf(nextVault, after), changed: true }, how, loose);
            source.publish(text);
            await waitFor(
              () =>
                harness.reloaded.length + harness.failed.length > 0 ||
                harness.service.getHealth().errorCount > 0,
              { description: 'the change to be decided' },
            );
            const cli = await validateConfigText(text, 'bot.json', rules).then(
              () => 'valid',
              (error: Error) => `${error.message} ${JSON.stringify(error)}`,
            );
            const said = [
              ...harness.failed.map((event) => `${event.error.message} ${JSON.stringify(event)}`),
              ...harness.reloaded.map((event) => JSON.stringify(event.changes)),
              JSON.stringify(harness.service.getHealth()),
              await readFile(auditLogPath, 'utf8'),
              logger.text,
              JSON.stringify(source.outcomes.map(({ text: _applied, ...outcome }) => outcome)),
              cli,
            ].join('\n');
            expect(said).not.toContain(MARK);
          } finally {
            await harness.close();
            await rm(dir, { recursive: true, force: true });
          }
        },
      ),
      { numRuns: 40 },
    );
  }, 120_000);
});
