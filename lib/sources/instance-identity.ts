// Shared by the etcd source and the command line (which loads the etcd folder only on demand).

/**
 * Who an instance is to its fleet: the id its status record is kept under, and its labels, the
 * facts it states about itself (`{ symbol: 'BTC', region: 'eu' }`). Selectors match on both;
 * `status` shows both.
 */
export interface InstanceIdentity {
  instanceId: string;
  labels: Readonly<Record<string, string>>;
  /** The version of the app it runs, when known: a fleet mid-deploy runs two side by side. */
  appVersion?: string;
}

/**
 * An instance's identity as its options give it; the app version defaults to the one `npm start`
 * sets (`npm_package_version`), taken when it is one a dashboard can show.
 */
export function instanceIdentityOf(
  instanceId: string,
  labels: Readonly<Record<string, string>> | undefined,
  appVersion: string | undefined = process.env.npm_package_version,
): InstanceIdentity {
  return {
    instanceId,
    labels: Object.freeze({ ...labels }),
    ...(isShownAppVersion(appVersion) ? { appVersion } : {}),
  };
}

/** The longest app version, in UTF-16 code units. */
export const MAX_APP_VERSION_LENGTH = 64;

/** An app version `status` and the dashboard can show on one line. */
export function isShownAppVersion(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= MAX_APP_VERSION_LENGTH &&
    !hasControlCharacter(value)
  );
}

/**
 * A label key as `etcdSource({ labels })` takes it: short, no spaces, nothing a command-line
 * selector (`symbol=BTC,region=eu`) or a `k=v,k=v` status cell would read as a separator.
 */
export const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9_./-]{0,62}$/;

/** The longest label value, in UTF-16 code units. */
export const MAX_LABEL_VALUE_LENGTH = 256;

// oxlint-disable-next-line no-control-regex -- the control characters are what it finds
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** A label value would forge a line or move the cursor where it is printed raw. */
export function hasControlCharacter(text: string): boolean {
  return CONTROL_CHARACTER.test(text);
}

/**
 * Keys that reach an object's prototype when something copies them with `target[key] = value`
 * (or merges below them): never taken from a record or a selector, nor allowed as a label.
 */
export function isPrototypeKey(key: string): boolean {
  return key === '__proto__' || key === 'constructor' || key === 'prototype';
}
