import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeError } from '../../config-reloader.errors.js';
import { ACTIONS, type ActionOutcome, type DashboardAction } from './dashboard.actions.js';
import { pageFile } from './dashboard.page.js';
import {
  hostAllowed,
  originAllowed,
  setSecurityHeaders,
  tokenMatches,
} from './dashboard.security.js';
import { fleetMetricsText, METRICS_CONTENT_TYPE } from './fleet.metrics.js';
import type { FleetFeed } from './fleet.feed.js';
import { SnapshotStreams } from './snapshot.streams.js';

export interface DashboardServerOptions {
  feed: FleetFeed;
  /** What `x-dashboard-token` must say for an action. */
  token: string;
  allowActions: boolean;
  /** The address it is bound to: which Host and Origin headers are its own. */
  host: string;
  act(action: DashboardAction, body: { to?: unknown }): Promise<ActionOutcome>;
}

export interface DashboardServer {
  /** Listens on `port` (0: a free one); resolves with the port. */
  listen(port: number): Promise<number>;
  /** Ends every stream and connection, then the server. */
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 4096;

/** The page, its files, its stream, `/metrics` and the actions, on one node:http server. */
export function createDashboardServer(options: DashboardServerOptions): DashboardServer {
  const streams = new SnapshotStreams(options.feed);
  let busy = false;
  const server = createServer((request, response) => {
    setSecurityHeaders(response);
    route(request, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, 'text/plain', describeError(error));
      else response.destroy();
    });
  });
  const port = () => (server.address() as AddressInfo).port;

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!hostAllowed(options.host, port(), request.headers.host)) {
      return send(response, 403, 'text/plain', 'unknown Host header');
    }
    const url = new URL(request.url ?? '/', 'http://dashboard');
    const path = url.pathname;
    if (path.startsWith('/actions/')) return action(request, response, path.slice(9));
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      return send(response, 405, 'text/plain', 'method not allowed');
    }
    if (path === '/events') return streams.open(request, response);
    // The page fetches it with itself (preloaded), to paint before its stream connects.
    if (path === '/snapshot.json') {
      return send(response, 200, 'application/json; charset=utf-8', options.feed.currentJson);
    }
    if (path === '/diff') {
      const [from, to] = [url.searchParams.get('from'), url.searchParams.get('to')];
      const changes = from && to ? await options.feed.history.diff(from, to) : undefined;
      if (!changes) return send(response, 404, 'text/plain', 'no such revision in the history');
      return send(response, 200, 'application/json', JSON.stringify({ from, to, changes }));
    }
    if (path === '/metrics') {
      return send(response, 200, METRICS_CONTENT_TYPE, fleetMetricsText(options.feed.current));
    }
    const file = await pageFile(path);
    if (!file) return send(response, 404, 'text/plain', 'not found');
    send(response, 200, file.type, file.body);
  }

  async function action(
    request: IncomingMessage,
    response: ServerResponse,
    name: string,
  ): Promise<void> {
    const refuse = (status: number, message: string) =>
      send(response, status, 'application/json', JSON.stringify({ ok: false, message }));
    if (!(ACTIONS as readonly string[]).includes(name)) return refuse(404, 'no such action');
    if (request.method !== 'POST') return refuse(405, 'actions are POST requests');
    if (!options.allowActions) {
      return refuse(403, 'actions are off: start the dashboard with --allow-actions');
    }
    if (!originAllowed(request, options.host, port())) {
      return refuse(403, "refused: the request does not come from the dashboard's own page");
    }
    if (!tokenMatches(options.token, request.headers['x-dashboard-token'])) {
      return refuse(403, 'refused: x-dashboard-token is missing or wrong');
    }
    if (!/^application\/json\b/.test(request.headers['content-type'] ?? '')) {
      return refuse(415, 'the body must be application/json');
    }
    const body = await jsonBody(request);
    if (body === undefined) return refuse(400, 'the body must be one JSON object, up to 4 KiB');
    if (busy) return refuse(409, 'another action is running');
    busy = true;
    try {
      const outcome = await options.act(name as DashboardAction, body);
      send(response, outcome.ok ? 200 : 409, 'application/json', JSON.stringify(outcome));
    } finally {
      busy = false;
    }
  }

  return {
    listen: (port) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, options.host, () => resolve((server.address() as AddressInfo).port));
      }),
    close: () =>
      new Promise((resolve) => {
        streams.closeAll();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(response: ServerResponse, status: number, type: string, body: string | Buffer): void {
  response.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}

/** The request's body as one JSON object; undefined when it is larger, not JSON or no object. */
async function jsonBody(request: IncomingMessage): Promise<{ to?: unknown } | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as { to?: unknown })
      : undefined;
  } catch {
    return undefined;
  }
}
