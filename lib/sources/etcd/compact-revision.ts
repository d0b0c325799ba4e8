import type { Etcd3, IDuplexStream, IWatchRequest, IWatchResponse } from 'etcd3';

type WatchStream = IDuplexStream<IWatchRequest, IWatchResponse>;

/**
 * The oldest revision etcd still keeps (the revision of its last compaction), or undefined when
 * it does not say within `timeoutMs`. A read at a compacted revision only fails with "required
 * revision has been compacted"; a watch that starts at one is canceled with the compaction's
 * revision in `compact_revision`, and needs no more permission than reading `key` does.
 * `compactedRevision` is one that etcd refused to read at.
 */
export async function compactRevisionOf(
  client: Etcd3,
  key: string,
  compactedRevision: string,
  timeoutMs: number,
): Promise<string | undefined> {
  let stream: WatchStream | undefined;
  let done = false;
  const close = (opened: WatchStream) => {
    opened.end();
    opened.cancel();
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<string | undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
      client.watchClient.watch().then(
        (opened) => {
          // Opened after the answer or the timeout: nobody listens any more.
          if (done) return close(opened);
          stream = opened;
          opened.on('data', (response: IWatchResponse) => {
            if (Number(response.compact_revision) > 0) resolve(response.compact_revision);
            // Events or a cancel without a compaction: etcd does not say, do not guess.
            else if (response.canceled || (response.events ?? []).length > 0) resolve(undefined);
          });
          opened.on('error', () => resolve(undefined));
          opened.on('end', () => resolve(undefined));
          opened.write({
            create_request: { key: Buffer.from(key), start_revision: compactedRevision },
          });
        },
        () => resolve(undefined),
      );
    });
  } finally {
    done = true;
    clearTimeout(timer);
    if (stream) close(stream);
  }
}
