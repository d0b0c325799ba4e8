import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FleetFeed } from './fleet.feed.js';

/** A comment line now and then: proxies keep the stream open, and a dead peer is noticed. */
const HEARTBEAT_MS = 15_000;

/** `/events`: server-sent events, a whole snapshot on connect and on every change. */
export class SnapshotStreams {
  private readonly responses = new Set<ServerResponse>();

  constructor(private readonly feed: FleetFeed) {}

  open(request: IncomingMessage, response: ServerResponse): void {
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      Connection: 'keep-alive',
    });
    // The same text the page was served with: the page sees that nothing changed meanwhile.
    const write = () => response.write(`event: snapshot\ndata: ${this.feed.currentJson}\n\n`);
    write();
    const unsubscribe = this.feed.subscribe(write);
    const heartbeat = setInterval(() => response.write(': still here\n\n'), HEARTBEAT_MS);
    this.responses.add(response);
    const end = () => {
      clearInterval(heartbeat);
      unsubscribe();
      this.responses.delete(response);
    };
    request.on('close', end);
    response.on('close', end);
  }

  /** Ends every stream (the server is closing: EventSource would reconnect to nothing). */
  closeAll(): void {
    for (const response of this.responses) response.end();
    this.responses.clear();
  }
}
