import { maskSecretsInText } from '../../change/secret-redaction.js';

/** An error as the page shows it: code and message, as text. */
export interface ShownError {
  code: string;
  message: string;
}

/** Records are written by any instance (untrusted): errors are masked again, all is text. */
export const shownError = (error: ShownError | undefined): ShownError | undefined =>
  error && { code: error.code, message: maskSecretsInText(error.message) };
