import { ConfigSourceUnavailableError } from '../../config-reloader.errors.js';
import { withDeadline } from './etcd-client.js';
import { failureReason, isRefusal } from './etcd-failure.js';

/**
 * Runs one etcd operation under an overall deadline. "etcd did not answer" (the deadline, or an
 * error etcd3 counts as transient: connection refused, unavailable, the call's own deadline)
 * becomes ConfigSourceUnavailableError naming `key` and `what` was being done; a refusal
 * (`isRefusal`: permission denied, request too large) is passed on as it is.
 */
export async function boundedCall<T>(
  work: () => Promise<T>,
  { key, what, deadlineMs }: { key: string; what: string; deadlineMs: number },
): Promise<T> {
  const unavailable = (reason: string, cause?: unknown) =>
    new ConfigSourceUnavailableError(key, `etcd did not answer while ${what}: ${reason}`, {
      cause,
    });
  try {
    return await withDeadline(work(), deadlineMs, () =>
      unavailable(`no answer within ${deadlineMs} ms`),
    );
  } catch (error) {
    if (error instanceof ConfigSourceUnavailableError || isRefusal(error)) throw error;
    throw unavailable(failureReason(error), error);
  }
}
