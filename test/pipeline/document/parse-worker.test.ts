import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigParseError, ConfigValidationError } from '../../../lib/config-reloader.errors.js';
import { buildOnce } from '../../support/build-once.js';
import { ConfigDir } from '../../support/config-dir.js';
import { trackHandles } from '../../support/handle-tracker.js';
import { bootReloader } from '../../support/reloader-app.js';
import { DocumentParser } from '../../../lib/pipeline/document/document.parser.js';
import {
  findParseWorkerFile,
  PARSE_WORKER_ENV,
  ParseWorkerClient,
  parseWorkerCandidates,
} from '../../../lib/pipeline/document/parse-worker.client.js';
import { createSchemaValidator } from '../../../lib/pipeline/document/schema.validator.js';
import { checkSequence, edits, portfolio } from '../../support/incremental-equivalence.js';
import { Portfolio } from '../../support/portfolio.dto.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../..', import.meta.url));

// The worker runs compiled code: from the TypeScript sources it is the build's.
beforeAll(async () => {
  await buildOnce('library');
}, 120_000);

const document = (marker: unknown, size = 2_000) =>
  JSON.stringify({ marker, items: Array.from({ length: size }, (_, i) => ({ id: i })) });

describe('the parse worker', () => {
  it('is found from the TypeScript sources: the build of the same package', () => {
    expect(findParseWorkerFile()).toBe(
      join(root, 'dist', 'pipeline', 'document', 'parse.worker.js'),
    );
  });

  it('is looked for where a bundle may leave it: a named file, next to the entry script, the installed package', () => {
    const candidates = parseWorkerCandidates(
      { [PARSE_WORKER_ENV]: '/opt/bot/workers/parse.worker.js' },
      '/opt/bot/main.js',
    );
    expect(candidates[0]).toBe('/opt/bot/workers/parse.worker.js');
    expect(candidates).toContain('/opt/bot/parse.worker.js');
    const built = join(root, 'dist', 'pipeline', 'document', 'parse.worker.js');
    expect(findParseWorkerFile(['/nowhere/parse.worker.js', built])).toBe(built);
  });

  it('says once why it cannot be used, and large documents are parsed on this thread meanwhile', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parse-worker-'));
    // A file where a bundle put something else: it starts, but is no parse worker of this build.
    const stranger = join(dir, 'parse.worker.js');
    await writeFile(
      stranger,
      "require('node:worker_threads').parentPort.postMessage({ ready: -1 });",
    );
    const before = process.env[PARSE_WORKER_ENV];
    process.env[PARSE_WORKER_ENV] = stranger;
    const warnings: string[] = [];
    const parser = new DocumentParser(undefined, 'bot.json', 1, {
      warn: (message: string) => void warnings.push(message),
    });
    try {
      const first = await parser.parse(document(1));
      const second = await parser.parse(document(2), first);
      expect(second.plain).toMatchObject({ marker: 2 });
      expect(parser.parsedOffThread).toBe(0);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('bot.json: the parse worker cannot be used');
      expect(warnings[0]).toContain('another version of the package');
      expect(warnings[0]).toContain(PARSE_WORKER_ENV);

      const missing: string[] = [];
      const lost = new ParseWorkerClient(
        {},
        { findWorkerFile: () => undefined, onUnavailable: (reason) => void missing.push(reason) },
      );
      expect(await lost.send(document(3)).reply).toBeUndefined();
      expect(await lost.send(document(4)).reply).toBeUndefined();
      expect(missing).toEqual([
        expect.stringContaining('parse.worker.js was not found (looked in'),
      ]);
      await lost.close();
    } finally {
      await parser.close();
      if (before === undefined) delete process.env[PARSE_WORKER_ENV];
      else process.env[PARSE_WORKER_ENV] = before;
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps a document, then answers with the difference from it', async () => {
    const client = new ParseWorkerClient({});
    try {
      const first = client.send(document(1));
      expect(await first.reply).toEqual({ id: first.id, outcome: 'kept' });
      const second = client.send(document(2), first.id);
      expect(await second.reply).toMatchObject({ id: second.id, outcome: 'patch' });
      const broken = client.send('{ "marker": ', second.id);
      expect(await broken.reply).toEqual({ id: broken.id, outcome: 'refused' });
      const forgotten = client.send(document(3), 999);
      expect(await forgotten.reply).toEqual({ id: forgotten.id, outcome: 'no-basis' });
    } finally {
      await client.close();
    }
  });

  it('gives the document this thread would parse, sharing what did not change', async () => {
    const schema = createSchemaValidator({ type: 'object', required: ['marker'] });
    const offThread = new DocumentParser(schema, 'big.json', 0);
    const here = new DocumentParser(schema, 'big.json', Infinity);
    try {
      const previous = await offThread.parse(document(1));
      const next = await offThread.parse(document(2), previous);
      expect(offThread.parsedOffThread).toBe(1);
      expect(next.plain).toStrictEqual((await here.parse(document(2))).plain);
      expect(next.plain.items).toBe(previous.plain.items);
      // What the worker refuses is parsed here, so the error is this thread's own.
      const broken = '{ "marker": 1, }';
      const error = await offThread.parse(broken, next).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigParseError);
      expect(error).toEqual(await here.parse(broken).catch((e: unknown) => e));
      await expect(offThread.parse(document(4).replace('"marker"', '"m"'), next)).rejects.toEqual(
        new ConfigValidationError('big.json', [{ path: 'marker', message: 'is required' }]),
      );
      expect(offThread.parsedOffThread).toBe(1);
    } finally {
      await offThread.close();
      await here.close();
    }
  });

  it('changes nothing that validation accepts, refuses or builds (every document off the thread)', async () => {
    const schema = createSchemaValidator({ type: 'object' });
    await fc.assert(
      fc.asyncProperty(fc.array(edits, { minLength: 1, maxLength: 5 }), (steps) =>
        checkSequence({ dto: Portfolio, schema }, portfolio, steps, 0),
      ),
      { numRuns: 40 },
    );
  }, 60_000);

  it('ends with the module: no worker thread is left once the app is closed', async () => {
    const dir = await ConfigDir.create(JSON.parse(document(1, 20_000)));
    const handles = trackHandles();
    try {
      const harness = await bootReloader<{ marker: number }>({
        configPath: dir.file,
        schema: { type: 'object' },
        autoReload: false,
      });
      await dir.write(JSON.parse(document(2, 20_000)));
      await harness.service.reloadConfig();
      expect(harness.service.config.marker).toBe(2);
      expect(await handles.alive()).toContain('WORKER');
      await harness.close();
      expect(await handles.alive()).not.toContain('WORKER');
    } finally {
      handles.stop();
      await dir.dispose();
    }
  });

  for (const how of ['import', 'require']) {
    it(`is found from dist/ when the package is loaded by ${how}, and ends with the app`, async () => {
      const { stdout } = await run(
        process.execPath,
        [join(root, 'test', 'fixtures', 'parse-worker-load.mjs'), how],
        { cwd: root },
      );
      expect(JSON.parse(stdout)).toEqual({
        markers: [2, 3],
        sharedItems: true,
        started: 1,
        alive: 0,
      });
    }, 60_000);
  }
});
