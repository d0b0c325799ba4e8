import {
  EtcdAuthenticationFailedError,
  EtcdPermissionDeniedError,
  EtcdRoleNotGrantedError,
  GRPCCancelledError,
  GRPCDeadlineExceededError,
  GRPCGenericError,
  isRecoverableError,
} from 'etcd3';
import { ConfigSourceUnavailableError } from '../../config-reloader.errors.js';
import { withDeadline } from './etcd-client.js';

/**
 * etcd answered, and said no: wrong credentials, a user without the permission, or any other
 * error code that is not about reaching it (with auth on and no user given, etcd answers
 * INVALID_ARGUMENT "user name is empty"). Not an outage: waiting or a local copy will not help.
 */
export function isRefusal(error: unknown): boolean {
  if (
    error instanceof EtcdAuthenticationFailedError ||
    error instanceof EtcdPermissionDeniedError ||
    error instanceof EtcdRoleNotGrantedError
  ) {
    return true;
  }
  return (
    error instanceof GRPCGenericError &&
    !isRecoverableError(error) &&
    !(error instanceof GRPCCancelledError) &&
    !(error instanceof GRPCDeadlineExceededError)
  );
}

/**
 * Runs one etcd operation under an overall deadline. "etcd did not answer" (the deadline, or an
 * error etcd3 counts as transient: connection refused, unavailable, the call's own deadline)
 * becomes ConfigSourceUnavailableError naming `key` and `what` was being done; any other error
 * (permission denied, request too large) is passed on as it is.
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
    if (error instanceof ConfigSourceUnavailableError) throw error;
    if (error instanceof Error && isRecoverableError(error)) {
      // grpc-js ends its messages with an empty "Resolution note: " more often than not.
      throw unavailable(error.message.replace(/\.?\s*Resolution note:\s*\.?$/, ''), error);
    }
    throw error;
  }
}
