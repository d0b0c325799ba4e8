import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // The sample app imports the package by name, as a user would; tests run it against the sources.
    alias: [
      {
        find: /^nestjs-config-reloader\/terminus$/,
        replacement: fileURLToPath(new URL('./lib/terminus/index.ts', import.meta.url)),
      },
      {
        find: /^nestjs-config-reloader\/etcd$/,
        replacement: fileURLToPath(new URL('./lib/sources/etcd/index.ts', import.meta.url)),
      },
      {
        find: /^nestjs-config-reloader\/prometheus$/,
        replacement: fileURLToPath(new URL('./lib/metrics/prometheus/index.ts', import.meta.url)),
      },
      {
        find: /^nestjs-config-reloader\/opentelemetry$/,
        replacement: fileURLToPath(
          new URL('./lib/metrics/opentelemetry/index.ts', import.meta.url),
        ),
      },
      {
        find: /^nestjs-config-reloader$/,
        replacement: fileURLToPath(new URL('./lib/index.ts', import.meta.url)),
      },
    ],
  },
  server: {
    watch: {
      // Build output the tests write themselves: dist/package.json matches Vitest's rerun
      // trigger for package.json files, so in watch mode every build started another run.
      ignored: ['**/dist/**', '**/.dist-staging-*/**', '**/test/.quick-start/**'],
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    // One test file per core. Vitest's default, one fewer, keeps a core for its main process,
    // which does little here: on a two-core machine it ran the files one at a time, and the run
    // took twice as long. More workers than cores gained nothing: the suite is then CPU-bound.
    maxWorkers: availableParallelism(),
    // A directory per run in which test files agree on who builds dist/ (test/support/build-once.ts).
    globalSetup: ['test/support/build-once.setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
