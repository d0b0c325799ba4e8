import { asReloadError } from '../config-reloader.errors.js';
import type { TrialVerdict } from '../interfaces/config-source.interface.js';
import { hashContent } from '../sources/content-hash.js';
import type { ConfigStore } from '../store/config.store.js';

/**
 * A dry run of the reload path: what it would make of `text`, nothing applied. Content equal to
 * the config in force is accepted unseen, as a reload applies it by doing nothing; otherwise
 * `vet` validates it against the config in force and runs the app's veto, exactly as a reload
 * does, and its error, redacted as every reload error is, is the verdict.
 */
export async function judgeTrial(
  text: string,
  { store, where }: { store: ConfigStore<object>; where: string },
  vet: () => Promise<unknown>,
): Promise<TrialVerdict> {
  if (hashContent(text) === store.applied.hash) return { accepted: true };
  try {
    await vet();
    return { accepted: true };
  } catch (error) {
    const { code, message } = asReloadError(error, where);
    return { accepted: false, error: { code, message } };
  }
}
