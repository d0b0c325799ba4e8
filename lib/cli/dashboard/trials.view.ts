import { maskSecretsInText } from '../../change/secret-redaction.js';
import type { StoredTrial } from '../../sources/etcd/fleet/fleet-view.reader.js';
import type { InstanceStatus } from '../../sources/etcd/fleet/instance-status.js';
import { selectorMatches } from '../../sources/fleet/selector.js';
import { formatSelector } from '../shared/selector.flag.js';
import { shownError, type ShownError } from './shown-error.js';

/** A trial in progress and every instance it asks, answered or not. */
export interface TrialView {
  id: string;
  /** Whom it asks; null when its record was not read (yet: the answers came first, or no more). */
  match: string | null;
  /** Why no instance can read its record (each answers so). */
  unreadable?: string;
  answers: {
    instanceId: string;
    /** `unanswered`: asked, no answer in its record yet. */
    state: 'accepted' | 'rejected' | 'unanswered';
    error?: ShownError;
  }[];
}

/**
 * Each trial under `K/trials/` with every live instance it asks (its selector, seeded with its
 * id, as each instance decides) and their answers, by instance id; a trial that only the records
 * name (its record read later than the answers came, or deleted already) with the answers alone.
 */
export function trialViews(
  stored: readonly StoredTrial[],
  instances: readonly InstanceStatus[],
): TrialView[] {
  const views = new Map<string, TrialView>();
  for (const trial of stored) {
    views.set(trial.id, {
      id: trial.id,
      match: formatSelector(trial.match ?? {}),
      ...(trial.unreadable === undefined
        ? {}
        : { unreadable: maskSecretsInText(trial.unreadable) }),
      answers: [],
    });
  }
  for (const instance of instances) {
    const { instanceId, trial } = instance;
    if (trial) {
      const view = views.get(trial.id) ?? { id: trial.id, match: null, answers: [] };
      view.answers.push({
        instanceId,
        state: trial.state,
        ...(trial.error ? { error: shownError(trial.error) } : {}),
      });
      views.set(trial.id, view);
    }
    for (const asked of stored) {
      if (trial?.id === asked.id || !selectorMatches(asked.match ?? {}, instance, asked.id))
        continue;
      views.get(asked.id)!.answers.push({ instanceId, state: 'unanswered' });
    }
  }
  return [...views.values()];
}
