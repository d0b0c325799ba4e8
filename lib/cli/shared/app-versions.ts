/** The instances of one build of the app, and how many are in each state. */
export interface AppVersionGroup<State extends string> {
  /** null: instances that do not say (no `appVersion`, or an older library). */
  appVersion: string | null;
  count: number;
  counts: Record<State, number>;
}

/**
 * The fleet by app version, when it runs more than one: during a deploy the new build and the old
 * one side by side, each with its states (a config the new build rejects shows in its column
 * only); each of `states` counted, also at 0. Most instances first, then named versions in their
 * order, those that do not say last. Empty when every instance runs one version.
 */
export function appVersionGroups<State extends string>(
  rows: readonly { appVersion?: string; state: State }[],
  states: readonly State[] = [],
): AppVersionGroup<State>[] {
  const groups = new Map<string | null, AppVersionGroup<State>>();
  for (const row of rows) {
    const appVersion = row.appVersion ?? null;
    let group = groups.get(appVersion);
    if (!group) {
      const counts = Object.fromEntries(states.map((state) => [state, 0]));
      group = { appVersion, count: 0, counts: counts as Record<State, number> };
      groups.set(appVersion, group);
    }
    group.count += 1;
    group.counts[row.state] = (group.counts[row.state] ?? 0) + 1;
  }
  if (groups.size < 2) return [];
  return [...groups.values()].sort(
    (a, b) =>
      b.count - a.count ||
      (a.appVersion === null
        ? 1
        : b.appVersion === null
          ? -1
          : a.appVersion.localeCompare(b.appVersion)),
  );
}
