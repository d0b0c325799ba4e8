import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Every name each entry point exports, values and types alike: what users may import, so a
 * change to it is a decision (and a line in the changelog), never an accident of `export *`.
 */
const SURFACE: Record<string, string[]> = {
  'lib/index.ts': [
    'AuditRecord',
    'CONFIG_RELOADED',
    'CONFIG_RELOAD_FAILED',
    'CONFIG_WATCH_FUNCTION',
    'CanaryAbortNotice',
    'ConfigAccessError',
    'ConfigAuditError',
    'ConfigChange',
    'ConfigConflictError',
    'ConfigErrorCode',
    'ConfigHistoryEntry',
    'ConfigIssue',
    'ConfigMetrics',
    'ConfigMetricsInstance',
    'ConfigMetricsRecorder',
    'ConfigMetricsState',
    'ConfigNotFoundError',
    'ConfigParseError',
    'ConfigPathChange',
    'ConfigPathListener',
    'ConfigRejectedError',
    'ConfigReloadError',
    'ConfigReloadFailedEvent',
    'ConfigReloadListener',
    'ConfigReloadResult',
    'ConfigReloadedEvent',
    'ConfigReloaderAsyncOptions',
    'ConfigReloaderClosedError',
    'ConfigReloaderHealth',
    'ConfigReloaderModule',
    'ConfigReloaderOptions',
    'ConfigReloaderOptionsError',
    'ConfigReloaderService',
    'ConfigRollbackError',
    'ConfigSchemaError',
    'ConfigSource',
    'ConfigSourceKind',
    'ConfigSourceUnavailableError',
    'ConfigTooLargeError',
    'ConfigUnstableError',
    'ConfigValidationError',
    'ConfigValidationRules',
    'ConfigVariant',
    'DEFAULT_INSTANCE_NAME',
    'DEFAULT_SECRET_KEYS',
    'DtoSchemaOptions',
    'HistorySource',
    'HoldOptions',
    'InjectConfigReloader',
    'InsecureConfigFileError',
    'JsonSchema',
    'PathValue',
    'REDACTED',
    'ReloadSource',
    'SecretKeyMatcher',
    'SourceListener',
    'SourceOutcome',
    'SourceReadFailure',
    'SourceSnapshot',
    'SourceWatch',
    'TrialVerdict',
    'UnknownKeys',
    'WatchFunction',
    'changedPaths',
    'createSecretKeyMatcher',
    'createValidationRules',
    'diffConfigs',
    'generateSchemaFromDto',
    'getConfigReloaderOptionsToken',
    'getConfigReloaderToken',
    'redactChanges',
    'redactSecrets',
    'validateConfigText',
  ],
  'lib/terminus/index.ts': ['ConfigReloaderHealthIndicator'],
  'lib/metrics/prometheus/index.ts': ['PrometheusMetricsOptions', 'prometheusMetrics'],
  'lib/metrics/opentelemetry/index.ts': ['OpenTelemetryMetricsOptions', 'openTelemetryMetrics'],
  'lib/sources/etcd/index.ts': [
    'EtcdConnectionOptions',
    'EtcdSourceOptions',
    'FleetStatus',
    'InstanceStatus',
    'RolloutProgress',
    'RolloutResult',
    'RolloutStanding',
    'RolloutWaitOptions',
    'Selector',
    'bucketOf',
    'compareRevisions',
    'createEtcdClient',
    'etcdSource',
    'instanceStatusKey',
    'instancesPrefix',
    'parseInstanceStatus',
    'readFleetStatus',
    'rolloutProgress',
    'rolloutStanding',
    'selectorMatches',
    'waitForRollout',
  ],
};

function exportedNames(program: ts.Program, file: string): string[] {
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file)!;
  const module = checker.getSymbolAtLocation(source)!;
  return checker
    .getExportsOfModule(module)
    .map((symbol) => symbol.getName())
    .sort();
}

describe('the public surface', () => {
  it('is exactly the names each entry point is meant to export', () => {
    const files = Object.keys(SURFACE).map((file) => join(root, file));
    const program = ts.createProgram(files, {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
    });
    for (const [file, names] of Object.entries(SURFACE)) {
      expect(exportedNames(program, join(root, file)), file).toEqual([...names].sort());
    }
  }, 60_000);
});
