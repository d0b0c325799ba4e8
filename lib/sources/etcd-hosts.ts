/**
 * Client URLs may carry credentials (`http://bot:PASSWORD@10.0.0.1:2379`): they are taken as
 * credentials, never sent as part of the gRPC target, and never shown. Outside the etcd folder
 * (and free of etcd3) so that the CLI's messages can use it without loading etcd3.
 */

/** Everything from the start (after any scheme) up to the last `@`: the user-info. */
const USER_INFO = /^([a-z][a-z0-9+.-]*:\/\/)?(.*)@/is;

/**
 * The URL without its user-info. Everything up to the last `@` goes, so that a password
 * with an unescaped `@` or `/` in it is never shown in part.
 */
export function withoutUserInfo(url: string): string {
  return url.replace(USER_INFO, '$1');
}

/** The URLs as messages show them: without user-info, comma-separated. */
export function shownHosts(hosts: string | readonly string[]): string {
  return (typeof hosts === 'string' ? [hosts] : hosts).map(withoutUserInfo).join(', ');
}

/** The credentials of the first URL that carries user-info, percent-decoded. */
export function credentialsInUrls(
  hosts: string | readonly string[],
): { username: string; password: string } | undefined {
  for (const url of typeof hosts === 'string' ? [hosts] : hosts) {
    const userInfo = USER_INFO.exec(url)?.[2];
    if (userInfo === undefined) continue;
    const colon = userInfo.indexOf(':');
    const [username, password] =
      colon === -1 ? [userInfo, ''] : [userInfo.slice(0, colon), userInfo.slice(colon + 1)];
    return { username: decoded(username), password: decoded(password) };
  }
  return undefined;
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // Not percent-encoded after all (a bare '%'): taken as typed.
    return text;
  }
}
