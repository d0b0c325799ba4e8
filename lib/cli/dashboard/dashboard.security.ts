import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Nothing but the page's own files and its own stream: no inline script or style, no frames. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** Headers every answer carries, whatever its route: the fleet's data is no one else's. */
export function setSecurityHeaders(response: ServerResponse): void {
  response.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('X-Frame-Options', 'DENY');
  response.setHeader('Referrer-Policy', 'no-referrer');
  response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  response.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  response.setHeader('Cache-Control', 'no-store');
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * The `Host` headers the dashboard answers: on a loopback address only loopback names, so that
 * a web page whose name was re-pointed at 127.0.0.1 (DNS rebinding) cannot read the fleet.
 * Bound elsewhere (`--host`), the operator chose who may reach it.
 */
export function hostAllowed(host: string, port: number, hostHeader: string | undefined): boolean {
  if (!LOOPBACK.has(host)) return true;
  if (hostHeader === undefined) return false;
  return [...LOOPBACK].some((name) => hostHeader === `${name}:${port}`);
}

const WILDCARD = new Set(['0.0.0.0', '::', '[::]']);

/**
 * The request comes from the dashboard's own page: its `Origin` is the address the dashboard
 * is served at (a loopback name on a loopback address; bound to every address, the host the
 * browser asked for). A page elsewhere that posts here sends its own origin and is refused.
 */
export function originAllowed(request: IncomingMessage, host: string, port: number): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  if (LOOPBACK.has(host)) return [...LOOPBACK].some((name) => origin === `http://${name}:${port}`);
  if (WILDCARD.has(host)) return origin === `http://${request.headers.host ?? ''}`;
  return origin === `http://${urlHost(host)}:${port}`;
}

/** A host as it stands in a URL: an IPv6 address in brackets. */
export function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** Compared in constant time: the answer must not say how much of a guess was right. */
export function tokenMatches(expected: string, given: string | string[] | undefined): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
