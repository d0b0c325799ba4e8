import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { compilers } from './typescript.js';
import { waitFor } from './wait-for.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

/** What a test can need built: the library's dist/, or that and the sample app's dist/. */
export type Build = 'library' | 'sample-app';

// A build takes a core for 10 to 25 s; on a loaded machine waiting on another file's build
// can take several times that.
const WAIT_MS = 240_000;

const commands: Record<Build, () => Promise<unknown>> = {
  library: () => run('npm', ['run', 'build'], { cwd: root }),
  // What `npm run build:sample` does after the library build.
  'sample-app': async () => {
    await buildOnce('library');
    await run(process.execPath, [compilers.project, '-p', 'sample-app/tsconfig.json'], {
      cwd: root,
    });
  },
};

interface Outcome {
  ok: boolean;
  error?: string;
}

/**
 * Builds `what` as `npm run build` (and the sample app's tsc) would, once per test run: the
 * first test file to ask builds, the others wait for its outcome. Test files run in separate
 * workers, so they agree through files in a directory the global setup makes for the run
 * (test/support/build-once.setup.ts). Without that directory (a run without the setup), it
 * builds every time.
 */
export async function buildOnce(what: Build = 'library'): Promise<void> {
  const dir = inject('buildOnceDir');
  if (!dir) {
    await commands[what]();
    return;
  }
  const done = join(dir, `${what}.json`);
  const claimed = await mkdir(join(dir, `${what}.lock`)).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') return false;
      throw error;
    },
  );
  if (claimed) {
    const outcome: Outcome = await commands[what]().then(
      () => ({ ok: true }),
      (error: unknown) => ({ ok: false, error: explain(error) }),
    );
    await writeFile(done, JSON.stringify(outcome));
    if (!outcome.ok) throw new Error(`building ${what} failed: ${outcome.error}`);
    return;
  }
  const text = await waitFor(() => readFile(done, 'utf8').catch(() => undefined), {
    timeoutMs: WAIT_MS,
    intervalMs: 100,
    description: `another test file to build ${what}`,
  });
  const outcome = JSON.parse(text) as Outcome;
  if (!outcome.ok)
    throw new Error(`building ${what} failed in another test file: ${outcome.error}`);
}

/** An exec failure with what the command printed, which is what says why a build failed. */
function explain(error: unknown): string {
  const failed = error as { message?: string; stdout?: string; stderr?: string };
  return [failed.message ?? String(error), failed.stdout, failed.stderr].filter(Boolean).join('\n');
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where buildOnce keeps its locks and outcomes for this run. */
    buildOnceDir: string;
  }
}
