import 'reflect-metadata';
import { execFile, spawn } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigDir } from '../support/config-dir.js';
import { compilers } from '../support/typescript.js';
import { bootReloader, type ReloaderHarness } from '../support/reloader-app.js';
import { waitFor } from '../support/wait-for.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'dist', 'cli', 'main.js');
const sampleConfig = join(root, 'sample-app', 'config', 'trend_following.json');
const sampleSchema = join(root, 'sample-app', 'config', 'trend_following.schema.json');
const sampleDto = `${join(root, 'sample-app', 'dist', 'config', 'trend-following.config.js')}#TrendFollowingConfig`;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a user would; never throws on a non-zero exit. */
async function configReloader(...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { cwd: root });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const syntaxOnly = 'note: no --schema or --dto given: checked JSON syntax only';

type TrendConfig = { strategies: { risk: { stopLoss: number } }[]; [key: string]: unknown };

describe('config-reloader CLI', () => {
  let dir: ConfigDir;
  let sample: TrendConfig;

  beforeAll(async () => {
    // The CLI is tested as shipped: compiled, and with a compiled DTO module.
    await run('npm', ['run', 'build'], { cwd: root });
    await run(process.execPath, [compilers.project, '-p', 'sample-app/tsconfig.json'], {
      cwd: root,
    });
    sample = JSON.parse(await readFile(sampleConfig, 'utf8')) as TrendConfig;
  }, 120_000);

  afterEach(async () => {
    await dir?.dispose();
  });

  const withStopLoss = (stopLoss: number): TrendConfig => {
    const copy = structuredClone(sample);
    copy.strategies[3]!.risk.stopLoss = stopLoss;
    return copy;
  };

  it('stops quietly when the reader closes the pipe early (config-reloader --help | head)', async () => {
    const child = spawn(process.execPath, [cli, '--help'], { cwd: root });
    child.stdout.destroy(); // the reader is gone before the first write
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toContain('EPIPE');
    expect(code).toBe(0);
  });

  it('accepts a valid config (schema and DTO) with exit code 0', async () => {
    const result = await configReloader(
      'validate',
      sampleConfig,
      '--schema',
      sampleSchema,
      '--dto',
      sampleDto,
    );
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('valid');
  });

  it('never prints a secret value that a DTO message quotes, in text or JSON, from validate or apply', async () => {
    const leaky = `${join(root, 'test', 'fixtures', 'leaky-dto.mjs')}#LeakyBot`;
    dir = await ConfigDir.create({ exchange: { apiKey: 'sk_ok', apiSecret: 'sk_ok' } });
    const candidate = join(dir.dir, 'candidate.json');
    await writeFile(
      candidate,
      JSON.stringify({ exchange: { apiKey: 'LIVEKEY_0a1b2c', apiSecret: 'LIVESECRET_3d4e' } }),
    );
    for (const args of [
      ['validate', candidate, '--dto', leaky],
      ['validate', candidate, '--dto', leaky, '--json'],
      ['apply', candidate, '--to', dir.file, '--dto', leaky],
    ]) {
      const result = await configReloader(...args);
      expect(result.code, args.join(' ')).toBe(1);
      const printed = result.stdout + result.stderr;
      expect(printed).toContain('exchange.apiKey');
      // The schema generated from the DTO names the rule by its keyword, the DTO by its name.
      expect(printed).toMatch(/failed (Matches|Pattern)/);
      expect(printed).not.toMatch(/LIVEKEY|LIVESECRET/);
    }
  });

  it('shows file, line and column for a syntax error, with exit code 1', async () => {
    dir = await ConfigDir.create('{\n  "botName": "x",\n  "mode": paper\n}');
    const result = await configReloader('validate', dir.file);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${dir.file}:3:11:`);
    expect(result.stdout).toBe('');
  });

  it('refuses a duplicate key at its second occurrence, with its JSON path', async () => {
    dir = await ConfigDir.create(
      '{\n  "risk": {\n    "stopLoss": 0.02,\n    "stopLoss": 5\n  }\n}',
    );
    const result = await configReloader('validate', dir.file);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${dir.file}:4:5: duplicate key risk.stopLoss`);

    const json = await configReloader('validate', dir.file, '--json');
    const report = JSON.parse(json.stdout) as { files: { problems: unknown[] }[] };
    expect(report.files[0]!.problems).toEqual([
      expect.objectContaining({ code: 'CONFIG_PARSE', line: 4, column: 5, path: 'risk.stopLoss' }),
    ]);
  });

  it('names the JSON path of a schema error and of a nested DTO error', async () => {
    dir = await ConfigDir.create(withStopLoss(5));
    const bySchema = await configReloader('validate', dir.file, '--schema', sampleSchema);
    expect(bySchema.code).toBe(1);
    expect(bySchema.stderr).toContain('strategies.3.risk.stopLoss');

    // A rule only the DTO checks, reached once the schema generated from it passes.
    const crossed = structuredClone(sample) as TrendConfig & {
      strategies: { parameters: { fastPeriod: number; slowPeriod: number } }[];
    };
    crossed.strategies[3]!.parameters.fastPeriod = crossed.strategies[3]!.parameters.slowPeriod;
    await dir.write(crossed);
    const byDto = await configReloader('validate', dir.file, '--dto', sampleDto);
    expect(byDto.code).toBe(1);
    expect(byDto.stderr).toMatch(/strategies\.3\.parameters\.fastPeriod: .*less than slowPeriod/);
  });

  it('checks the schema generated from the DTO first when --dto comes alone', async () => {
    dir = await ConfigDir.create(withStopLoss(5));
    const result = await configReloader('validate', dir.file, '--dto', sampleDto, '--json');
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { files: { problems: unknown[] }[] };
    // The schema's message (Ajv), not the DTO's ("stopLoss must not be greater than 1").
    expect(report.files[0]!.problems).toEqual([
      expect.objectContaining({ path: 'strategies.3.risk.stopLoss', message: 'must be <= 1' }),
    ]);

    const fastEqualsSlow = structuredClone(sample) as TrendConfig & {
      strategies: { parameters: { fastPeriod: number; slowPeriod: number } }[];
    };
    fastEqualsSlow.strategies[0]!.parameters.fastPeriod = 50;
    await dir.write(fastEqualsSlow);
    const byDto = await configReloader('validate', dir.file, '--dto', sampleDto);
    expect(byDto.code).toBe(1);
    expect(byDto.stderr).toContain('fastPeriod must be less than slowPeriod');
  });

  it('refuses a misspelt key with --unknown-keys refuse, as the app does', async () => {
    const misspelt = structuredClone(sample) as TrendConfig & {
      strategies: { risk: Record<string, unknown> }[];
    };
    misspelt.strategies[1]!.risk.stopLos = 0.02;
    dir = await ConfigDir.create(misspelt);
    expect((await configReloader('validate', dir.file, '--dto', sampleDto)).code).toBe(0);
    for (const flags of [
      ['--dto', sampleDto],
      ['--dto', sampleDto, '--schema', sampleSchema],
    ]) {
      const strict = await configReloader(
        'validate',
        dir.file,
        ...flags,
        '--unknown-keys',
        'refuse',
      );
      expect(strict.code).toBe(1);
      expect(strict.stderr).toContain('strategies.1.risk.stopLos');
    }
    const wrong = await configReloader(
      'validate',
      dir.file,
      '--dto',
      sampleDto,
      '--unknown-keys',
      'strict',
    );
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('allow, refuse');
  });

  it('prints the schema generated from a DTO, or writes it with --out', async () => {
    const lenient = await configReloader('schema', '--dto', sampleDto);
    expect(lenient.code).toBe(0);
    expect(JSON.parse(lenient.stdout)).not.toHaveProperty('additionalProperties');
    const printed = await configReloader('schema', '--dto', sampleDto, '--unknown-keys', 'refuse');
    expect(printed.code).toBe(0);
    const schema = JSON.parse(printed.stdout) as Record<string, unknown>;
    expect(schema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      title: 'TrendFollowingConfig',
      additionalProperties: false,
    });
    // The sample's checked-in schema is made this way (npm run schema:sample).
    expect(schema).toEqual(JSON.parse(await readFile(sampleSchema, 'utf8')));

    dir = await ConfigDir.create({});
    const out = join(dir.dir, 'bot.schema.json');
    const written = await configReloader(
      'schema',
      '--dto',
      sampleDto,
      '--unknown-keys',
      'refuse',
      '--out',
      out,
    );
    expect(written).toMatchObject({ code: 0, stdout: '' });
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual(schema);
  });

  it('says what is missing when the schema command gets a wrong --dto', async () => {
    const missing = await configReloader('schema', '--dto', `${sampleDto}Typo`);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('has no exported class "TrendFollowingConfigTypo"');
    expect((await configReloader('schema')).code).toBe(2);
  });

  it('prints a machine-readable result with --json', async () => {
    dir = await ConfigDir.create(withStopLoss(5));
    const result = await configReloader('validate', dir.file, '--schema', sampleSchema, '--json');
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as {
      valid: boolean;
      files: { valid: boolean; problems: { code: string; path: string }[] }[];
    };
    expect(report.valid).toBe(false);
    expect(report.files[0]!.problems).toContainEqual(
      expect.objectContaining({ code: 'CONFIG_VALIDATION', path: 'strategies.3.risk.stopLoss' }),
    );
  });

  it('says once on stderr that validate checked JSON syntax only without --schema or --dto', async () => {
    dir = await ConfigDir.create(sample);
    const other = join(dir.dir, 'other.json');
    await writeFile(other, JSON.stringify(sample));
    const plain = await configReloader('validate', dir.file, other);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toBe(`valid   ${dir.file}\nvalid   ${other}\n`);
    expect(plain.stderr).toBe(`${syntaxOnly}\n`);
    const json = await configReloader('validate', dir.file, '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({ valid: true });
    expect(json.stderr).toBe(`${syntaxOnly}\n`);
    const schema = await configReloader('validate', dir.file, '--schema', sampleSchema);
    expect(schema.stderr).toBe('');
    const dto = await configReloader('validate', dir.file, '--dto', sampleDto);
    expect(dto.stderr).toBe('');
  });

  it('diff exits 1 when the files differ, 3 when one cannot be read or parsed', async () => {
    dir = await ConfigDir.create({ risk: { maxDrawdown: 0.1 } });
    const next = join(dir.dir, 'next.json');
    await writeFile(next, JSON.stringify({ risk: { maxDrawdown: 0.2 } }));
    const broken = join(dir.dir, 'broken.json');
    await writeFile(broken, '{\n  "risk": oops\n}');
    expect((await configReloader('diff', dir.file, next)).code).toBe(1);
    expect((await configReloader('diff', dir.file, dir.file)).code).toBe(0);
    const unparsable = await configReloader('diff', dir.file, broken);
    expect(unparsable.code).toBe(3);
    expect(unparsable.stderr).toContain(`${broken}:2:11:`);
    const absent = await configReloader('diff', join(dir.dir, 'absent.json'), next);
    expect(absent.code).toBe(3);
  });

  it('diffs two files with secrets redacted', async () => {
    dir = await ConfigDir.create({
      exchange: { apiKey: 'sk-live-OLD' },
      risk: { maxDrawdown: 0.1 },
    });
    const next = join(dir.dir, 'next.json');
    await writeFile(
      next,
      JSON.stringify({ exchange: { apiKey: 'sk-live-NEW' }, risk: { maxDrawdown: 0.2 } }),
    );
    const result = await configReloader('diff', dir.file, next);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('~ risk.maxDrawdown: 0.1 -> 0.2');
    expect(result.stdout).toContain('exchange.apiKey');
    expect(result.stdout).not.toMatch(/sk-live-(OLD|NEW)/);
    expect((await configReloader('diff', dir.file, dir.file)).code).toBe(0);
  });

  it('changes nothing on a dry run', async () => {
    dir = await ConfigDir.create(sample);
    const candidate = join(dir.dir, 'candidate.json');
    await writeFile(candidate, JSON.stringify(withStopLoss(0.03)));
    const before = await stat(dir.file);
    const text = await readFile(dir.file, 'utf8');
    const result = await configReloader(
      'apply',
      candidate,
      '--to',
      dir.file,
      '--dry-run',
      '--schema',
      sampleSchema,
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('strategies.3.risk.stopLoss');
    expect(await readFile(dir.file, 'utf8')).toBe(text);
    expect((await stat(dir.file)).mtimeMs).toBe(before.mtimeMs);
  });

  it('redacts extra secret keys in the diff that apply prints', async () => {
    dir = await ConfigDir.create({ exchange: { memo: '1234-OLD' }, risk: { maxDrawdown: 0.1 } });
    const candidate = join(dir.dir, 'candidate.json');
    await writeFile(
      candidate,
      JSON.stringify({ exchange: { memo: '9876-NEW' }, risk: { maxDrawdown: 0.1 } }),
    );
    const plain = await configReloader('apply', candidate, '--to', dir.file, '--dry-run');
    expect(plain.stdout).toContain('9876-NEW'); // "memo" is not a secret by default
    const redacted = await configReloader(
      'apply',
      candidate,
      '--to',
      dir.file,
      '--dry-run',
      '--secret-key',
      'memo',
    );
    expect(redacted.code).toBe(0);
    expect(redacted.stdout).toContain('exchange.memo');
    expect(redacted.stdout).not.toMatch(/1234-OLD|9876-NEW/);
  });

  it('refuses a file over --max-file-bytes: invalid in validate and apply (exit 1), unreadable in diff (exit 3)', async () => {
    dir = await ConfigDir.create({ padding: 'x'.repeat(200) });
    const bytes = (await stat(dir.file)).size;
    const small = join(dir.dir, 'small.json');
    await writeFile(small, '{}');

    const refused = await configReloader('validate', dir.file, '--max-file-bytes', '100');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `${dir.file}: ${bytes} bytes, over the limit of 100 bytes (--max-file-bytes`,
    );
    const json = await configReloader('validate', dir.file, '--max-file-bytes', '100', '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({
      valid: false,
      files: [{ problems: [{ code: 'CONFIG_TOO_LARGE' }] }],
    });
    expect((await configReloader('validate', dir.file, '--max-file-bytes', `${bytes}`)).code).toBe(
      0,
    );

    expect((await configReloader('diff', small, dir.file, '--max-file-bytes', '100')).code).toBe(3);
    const text = await readFile(small, 'utf8');
    const apply = await configReloader('apply', dir.file, '--to', small, '--max-file-bytes', '100');
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain('over the limit of 100 bytes');
    expect(await readFile(small, 'utf8')).toBe(text);
  });

  it("refuses a file over the app's default limit with exit code 1, not 3", async () => {
    dir = await ConfigDir.create({});
    await writeFile(dir.file, `{"padding": "${'x'.repeat(10 * 1024 * 1024)}"}`);
    const result = await configReloader('validate', dir.file);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('over the limit of 10485760 bytes');
  });

  it('refuses a --max-file-bytes that is not a whole number of bytes with exit code 2', async () => {
    dir = await ConfigDir.create({});
    for (const value of ['0', '-1', '1.5', '10MB', '']) {
      const result = await configReloader('validate', dir.file, '--max-file-bytes', value);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('a whole number of bytes, at least 1, was expected');
    }
  });

  it('refuses a wrong command line with exit code 2', async () => {
    expect((await configReloader('validate', '--no-such-flag', 'x.json')).code).toBe(2);
    expect((await configReloader('apply', 'x.json')).code).toBe(2); // --to is required
  });

  describe('apply onto a file a running service watches', () => {
    let harness: ReloaderHarness<TrendConfig> | undefined;

    afterEach(async () => {
      await harness?.close();
      harness = undefined;
    });

    it('is seen as exactly one new version, and an invalid candidate never reaches it', async () => {
      dir = await ConfigDir.create(sample);
      harness = await bootReloader<TrendConfig>({
        configPath: dir.file,
        schemaPath: sampleSchema,
        debounceMs: 0,
        verifyIntervalMs: 50,
      });
      const { service, reloaded, failed } = harness;
      const invalid = join(dir.dir, 'invalid.json');
      await writeFile(invalid, JSON.stringify(withStopLoss(5)));
      const refused = await configReloader(
        'apply',
        invalid,
        '--to',
        dir.file,
        '--schema',
        sampleSchema,
      );
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('unchanged');

      const valid = join(dir.dir, 'valid.json');
      await writeFile(valid, JSON.stringify(withStopLoss(0.03)));
      const applied = await configReloader(
        'apply',
        valid,
        '--to',
        dir.file,
        '--schema',
        sampleSchema,
      );
      expect(applied.code).toBe(0);
      await waitFor(() => service.config.strategies[3]!.risk.stopLoss === 0.03, {
        description: 'the applied config',
      });
      // A later edit proves the watcher is still listening and that nothing came in between.
      await dir.write(withStopLoss(0.04));
      await waitFor(() => service.config.strategies[3]!.risk.stopLoss === 0.04);
      expect(reloaded.map((event) => event.version)).toEqual([2, 3]);
      expect(failed).toHaveLength(0);
    });
  });
});
