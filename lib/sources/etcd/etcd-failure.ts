import {
  EtcdAuthenticationFailedError,
  EtcdPermissionDeniedError,
  EtcdRoleNotGrantedError,
  EtcdUserNotFoundError,
  GRPCCancelledError,
  GRPCDeadlineExceededError,
  GRPCGenericError,
  isRecoverableError,
} from 'etcd3';
import {
  ConfigAccessError,
  ConfigReloadError,
  ConfigSourceUnavailableError,
  describeError,
} from '../../config-reloader.errors.js';
import { etcdMessages } from './etcd.messages.js';

/**
 * etcd answered, and said no: wrong credentials, a user without the permission, or any other
 * error code that is not about reaching it (with auth on and no user given, etcd answers
 * INVALID_ARGUMENT "user name is empty"). Not an outage: waiting or a local copy will not help.
 * Everything else (a deadline, a transient gRPC error) means etcd did not answer.
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
 * What etcd refused: the credentials (wrong, or none while auth is on: "user name is empty"),
 * the user's permission, or something else (a request too large).
 */
export function refusalOf(error: unknown): 'credentials' | 'permission' | 'other' {
  if (
    error instanceof EtcdAuthenticationFailedError ||
    error instanceof EtcdUserNotFoundError ||
    (error instanceof GRPCGenericError && /user name is empty/.test(error.message))
  ) {
    return 'credentials';
  }
  if (error instanceof EtcdPermissionDeniedError || error instanceof EtcdRoleNotGrantedError) {
    return 'permission';
  }
  return 'other';
}

const RESOLUTION_NOTE = 'Resolution note:';

/** What went wrong, in words; grpc-js ends its messages with an empty "Resolution note: " often. */
export function failureReason(error: unknown): string {
  return withoutEmptyResolutionNote(describeError(error));
}

/**
 * Drops a trailing `[.] Resolution note: [.]` with the whitespace around it. Scanned from the end
 * rather than matched with /\.?\s*Resolution note:\s*\.?$/: the server writes the message, and
 * that regex takes quadratic time on a long whitespace run (seconds for 100k characters).
 */
function withoutEmptyResolutionNote(message: string): string {
  const tail = withoutFinalPeriod(message).trimEnd();
  if (!tail.endsWith(RESOLUTION_NOTE)) return message;
  return withoutFinalPeriod(tail.slice(0, -RESOLUTION_NOTE.length).trimEnd());
}

function withoutFinalPeriod(text: string): string {
  return text.endsWith('.') ? text.slice(0, -1) : text;
}

/**
 * The source's error for a failed etcd call: `ConfigAccessError` when etcd refused it, else
 * `ConfigSourceUnavailableError` worded by `unavailable`; a `ConfigReloadError` stays itself.
 */
export function sourceFailure(
  error: unknown,
  where: { id: string; hosts: readonly string[] },
  unavailable: (id: string, hosts: readonly string[], reason: string) => string,
): ConfigReloadError {
  if (error instanceof ConfigReloadError) return error;
  const { id, hosts } = where;
  const reason = failureReason(error);
  if (isRefusal(error)) {
    return new ConfigAccessError(id, etcdMessages.refused(id, hosts, reason), { cause: error });
  }
  return new ConfigSourceUnavailableError(id, unavailable(id, hosts, reason), { cause: error });
}
