import { asReloadError } from '../config-reloader.errors.js';
import type { Candidate, ConfigPipeline } from '../pipeline/config.pipeline.js';
import type { ConfigSource, SourceOutcome } from '../interfaces/config-source.interface.js';

/**
 * The initial config: read and validated. When the document is refused, the source may offer
 * another once (`ConfigSource.refusedAtStart`): a canary member that refuses the candidate while
 * it starts aborts the canary and starts on the base, instead of failing to start while the bad
 * canary stays in place for every member that starts after it.
 */
export async function initialCandidate<T extends object>(
  name: string,
  where: string,
  source: ConfigSource,
  pipeline: Pick<ConfigPipeline<T>, 'materialize'>,
): Promise<Candidate<T>> {
  const snapshot = await source.read();
  try {
    return await pipeline.materialize(snapshot);
  } catch (error) {
    if (!source.refusedAtStart) throw error;
    const { code, message } = asReloadError(error, where);
    const { revision, hash, variant } = snapshot;
    const refused: SourceOutcome = {
      name,
      state: 'rejected',
      version: 0,
      revision,
      hash,
      error: { code, message },
      ...(variant ? { variant } : {}),
    };
    // A fallback that fails leaves the refusal as the reason the start failed.
    const fallback = await source.refusedAtStart(refused).catch(() => undefined);
    if (!fallback) throw error;
    return pipeline.materialize(fallback);
  }
}
