import { type ConfigSource } from 'nestjs-config-reloader';
import { etcdSource } from 'nestjs-config-reloader/etcd';

/**
 * The bot's config source from its environment: the file (the default), or one etcd key shared
 * by a whole fleet of bots:
 * - CONFIG_SOURCE  'file' (default) or 'etcd'
 * - ETCD_HOSTS     comma-separated client URLs (http://127.0.0.1:2379)
 * - ETCD_KEY       the key that holds the JSON document (/bots/trend/config)
 * - ETCD_CACHE     optional local copy to start on while etcd is down
 * - INSTANCE_ID    the bot's name in `config-reloader status` (default <hostname>-<pid>)
 * - LABELS         the bot's own facts, `symbol=BTC,region=eu`: overlays and canaries select by them
 */
export function configSourceFromEnvironment(env: NodeJS.ProcessEnv): ConfigSource | undefined {
  const kind = env.CONFIG_SOURCE ?? 'file';
  if (kind === 'file') return undefined;
  if (kind !== 'etcd') throw new Error(`CONFIG_SOURCE must be "file" or "etcd", got "${kind}"`);
  const hosts = (env.ETCD_HOSTS ?? '').split(',').filter((host) => host.trim() !== '');
  if (hosts.length === 0) throw new Error('CONFIG_SOURCE=etcd needs ETCD_HOSTS (client URLs)');
  if (!env.ETCD_KEY) throw new Error('CONFIG_SOURCE=etcd needs ETCD_KEY (the config key)');
  return etcdSource({
    hosts,
    key: env.ETCD_KEY,
    cachePath: env.ETCD_CACHE,
    instanceId: env.INSTANCE_ID,
    labels: parseLabels(env.LABELS ?? ''),
  });
}

/** `symbol=BTC,region=eu` as `{ symbol: 'BTC', region: 'eu' }`. */
export function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const term of text.split(',').filter((part) => part.trim() !== '')) {
    const [name, ...rest] = term.split('=');
    if (!name?.trim() || rest.length === 0) {
      throw new Error(`LABELS must be name=value pairs separated by commas, got "${term}"`);
    }
    labels[name.trim()] = rest.join('=').trim();
  }
  return labels;
}
