import type { EtcdConnectionOptions } from './etcd-client.js';

/** `etcdSource()`: one etcd key holds the whole JSON document. */
export interface EtcdSourceOptions extends EtcdConnectionOptions {
  /** The key of the document, e.g. `/bots/trend/config`. Status records live under `<key>/instances/`. */
  key: string;
  /**
   * A local file that keeps the last applied document (rewritten atomically, mode 0600, after
   * every applied change). With it, an instance that starts while etcd is unreachable starts on
   * that copy (validated again, health 'degraded' until etcd answers); without it, the start
   * fails with `ConfigSourceUnavailableError`.
   */
  cachePath?: string;
  /**
   * Names this instance in the fleet status. Default `<hostname>-<pid>`, which changes with
   * every process: give a stable one (a pod name, `HOSTNAME`) for a membership by percentage
   * that survives a restart.
   */
  instanceId?: string;
  /**
   * This instance's own facts (`{ symbol: 'BTC', region: 'eu' }`): the selectors of overlays,
   * canaries and trials match on them, and its status record and `config-reloader status` show
   * them. Names: a letter or digit, then up to 62 letters, digits, `_`, `.`, `/` or `-`; values:
   * strings of at most 256 characters without control characters. Default `{}`.
   */
  labels?: Record<string, string>;
  /**
   * The version of the app, kept in the status record so that `config-reloader dashboard` shows
   * which instances run which build (a fleet mid-deploy runs two). 1 to 64 characters without
   * control characters.
   * @default process.env.npm_package_version, when set and such a string (npm start sets it)
   */
  appVersion?: string;
  /** Keep a status record under `<key>/instances/<instanceId>` (leased). Default true. */
  reportStatus?: boolean;
  /**
   * TTL of the status record's lease: how long a dead instance still shows. The instances of a
   * process on one connection with one TTL share the lease. Default 10 s.
   */
  statusTtlSeconds?: number;
  /**
   * How long after a decision (applied, staged, rejected) the status record is written, in ms;
   * 0.5x to 1.5x of it, at random. The reload and its events come first, a fleet's records reach
   * etcd spread out, and decisions within the wait are written once, the latest; the records of
   * the instances of a process that fall due within it go in one transaction. Default 100.
   */
  statusDelayMs?: number;
  /**
   * After this long without a word from etcd, the watch asks its member for a progress report;
   * no answer within `dialTimeoutMs` (at most 2 s) means the member is frozen or cut off, and the
   * watch moves to another one. Default 5000.
   */
  watchCheckMs?: number;
}
