import {
  castGrpcErrorMessage,
  EtcdInvalidAuthTokenError,
  type IDuplexStream,
  type IWatchRequest,
  type IWatchResponse,
  Range,
} from 'etcd3';
import { renewAuthToken } from './etcd-client.js';
import { reconnectDelay } from './reconnect-backoff.js';
import type { KeyWatchHandlers, KeyWatchOptions } from './key-watch.options.js';
import type { WatchMember } from './watch-members.js';

/**
 * One etcd watch stream on a few keys or prefixes, kept alive by hand rather than by etcd3's watch manager: that one
 * creates watches that hang while etcd is down, backs off up to 30 s, leaves a silent member
 * unnoticed, drops `compact_revision`, and keeps retrying after `client.close()`. Here every
 * wait has a deadline, reconnects back off to at most 2 s with full jitter (a fleet coming back
 * must not stampede etcd), a silent stream is asked for progress and replaced when it does not
 * answer, a compaction means "read the key again", and `close()` ends everything at once.
 */
export class KeyWatch {
  private stream: IDuplexStream<IWatchRequest, IWatchResponse> | undefined;
  /** The member the current (or last) stream went to. */
  private member: WatchMember | undefined;
  /** The token was renewed after etcd canceled a watch for it; unset once a watch is created. */
  private renewedToken = false;
  /** Per range: the first revision it has not reported yet (ranges advance apart). */
  private readonly nextRevisions: string[];
  /** The ranges whose watch etcd has not created yet on the current stream. */
  private readonly creating = new Set<number>();
  private connected: boolean;
  private failedAttempts = 0;
  private lastHeardAt = Date.now();
  private awaitingReply: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly checkTimer: NodeJS.Timeout;
  private closed = false;
  private established: (() => void) | undefined;
  /** Resolves once etcd created the watch for the first time. */
  readonly firstCreated: Promise<void>;

  constructor(
    private readonly options: KeyWatchOptions,
    private readonly handlers: KeyWatchHandlers,
  ) {
    this.nextRevisions = options.ranges.map(() => options.fromRevision);
    this.connected = options.connected;
    this.firstCreated = new Promise((resolve) => (this.established = resolve));
    this.checkTimer = setInterval(() => this.checkSilence(), options.checkMs);
    this.checkTimer.unref?.();
    void this.connect();
  }

  get active(): boolean {
    return !this.closed;
  }

  /** Ends the watch now: cancelling the call is local, so a frozen server cannot hold it up. */
  close(): Promise<void> {
    this.closed = true;
    clearInterval(this.checkTimer);
    clearTimeout(this.reconnectTimer);
    this.drop();
    this.options.members.close();
    this.established?.();
    return Promise.resolve();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    let stream: IDuplexStream<IWatchRequest, IWatchResponse>;
    const member = this.options.members.next();
    this.member = member;
    try {
      stream = await member.client.watchClient.watch();
    } catch (error) {
      this.lost(error);
      return;
    }
    if (this.closed) {
      stream.end();
      stream.cancel();
      return;
    }
    this.stream = stream;
    stream.on('data', (response) => this.stream === stream && this.received(response));
    stream.on('error', (error) => this.stream === stream && this.lost(error));
    stream.on('end', () => this.stream === stream && this.lost(new Error('watch stream ended')));
    this.creating.clear();
    this.options.ranges.forEach(({ key, prefix }, index) => {
      // A prefix watch covers [prefix, end of the prefix): etcd3's own Range works that out.
      const range = prefix ? Range.prefix(key) : undefined;
      this.creating.add(index);
      stream.write({
        create_request: {
          key: range?.start ?? Buffer.from(key),
          ...(range ? { range_end: range.end } : {}),
          start_revision: this.nextRevisions[index],
          // Our own ids (etcd 3.4+): an event says which range it belongs to.
          watch_id: index + 1,
        },
      });
    });
    this.expectReply('etcd did not create the watch');
  }

  private received(response: IWatchResponse): void {
    this.lastHeardAt = Date.now();
    clearTimeout(this.awaitingReply);
    this.awaitingReply = undefined;
    if (response.canceled) {
      void this.canceled(response);
      return;
    }
    const index = Number(response.watch_id) - 1;
    if (response.created) {
      this.creating.delete(index);
      if (this.creating.size > 0) {
        this.expectReply('etcd did not create the watch');
        return;
      }
      this.failedAttempts = 0;
      this.renewedToken = false;
      if (this.member) this.options.members.worked(this.member.url);
      this.established?.();
      this.setConnected(true);
    }
    for (const event of response.events ?? []) {
      this.nextRevisions[index] = String(BigInt(event.kv.mod_revision) + 1n);
      if (event.type === 'Put') this.handlers.put(event.kv);
      else this.handlers.deleted(event.kv);
    }
    // A progress report (no events, not the creation): everything up to its revision was sent.
    if (!response.created && (response.events ?? []).length === 0 && response.header?.revision) {
      const reported = BigInt(response.header.revision) + 1n;
      this.nextRevisions.forEach((next, at) => {
        if (reported > BigInt(next)) this.nextRevisions[at] = String(reported);
      });
    }
  }

  private async canceled(response: IWatchResponse): Promise<void> {
    this.drop();
    if (Number(response.compact_revision) > 0) {
      try {
        this.nextRevisions.fill(await this.handlers.resync());
      } catch (error) {
        this.lost(error);
        return;
      }
      void this.connect();
      return;
    }
    // etcd's reason, typed as etcd3 types a call's error: "permission denied" is a refusal.
    const reason = response.cancel_reason || 'no reason given';
    const failure = castGrpcErrorMessage(`etcd canceled the watch: ${reason}`);
    if (failure instanceof EtcdInvalidAuthTokenError && this.member && !this.renewedToken) {
      this.renewedToken = true;
      try {
        const { key } = this.options.ranges[0]!;
        await renewAuthToken(this.member.client, key, this.options.replyTimeoutMs);
      } catch (error) {
        this.lost(error); // signing in failed: that is what to report
        return;
      }
      void this.connect();
      return;
    }
    this.lost(failure);
  }

  /** Asks a silent member whether it is still there; a stream that cannot answer is replaced. */
  private checkSilence(): void {
    const stream = this.stream;
    if (!stream || this.awaitingReply) return;
    if (Date.now() - this.lastHeardAt < this.options.checkMs) return;
    stream.write({ progress_request: {} });
    this.expectReply('etcd did not answer a progress request');
  }

  private expectReply(what: string): void {
    clearTimeout(this.awaitingReply);
    this.awaitingReply = setTimeout(() => {
      this.awaitingReply = undefined;
      this.lost(new Error(`${what} within ${this.options.replyTimeoutMs} ms`));
    }, this.options.replyTimeoutMs);
  }

  /** The stream is gone or useless: report it once, and try again after a jittered pause. */
  private lost(error: unknown): void {
    if (this.closed) return;
    this.drop(error instanceof Error ? error : undefined);
    if (this.member) this.options.members.failed(this.member.url);
    if (this.connected) this.handlers.error(error);
    this.setConnected(false, error);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(
      () => void this.connect(),
      reconnectDelay(this.failedAttempts),
    );
    this.failedAttempts++;
  }

  private drop(cause?: Error): void {
    const stream = this.stream;
    this.stream = undefined;
    clearTimeout(this.awaitingReply);
    this.awaitingReply = undefined;
    if (!stream) return;
    // Ending first keeps etcd3 from counting our own cancel against the member; a stream that
    // failed by itself (cause) is cancelled while still writable, so the member is marked.
    if (!cause) stream.end();
    stream.cancel();
  }

  private setConnected(connected: boolean, failure?: unknown): void {
    if (connected && this.connected) return;
    this.connected = connected;
    this.handlers.connectivity(connected, failure);
  }
}
