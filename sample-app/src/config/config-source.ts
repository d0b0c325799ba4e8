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
  });
}
