import {
  epochNow,
  loadSampleConfig,
  renderConfig,
  writeChunked,
  writeConfigFile,
} from './fixtures.js';
import type { WriterReply, WriterRequest } from './writer-client.js';

/**
 * The operator: a separate process that writes the config file on request, so that the app under
 * test shares neither its event loop nor its thread pool with the writes. Times are epoch ms.
 */
const sample = loadSampleConfig();

async function handle(request: WriterRequest): Promise<WriterReply> {
  switch (request.op) {
    case 'ping':
      return { id: request.id, startedAt: epochNow(), endedAt: epochNow() };
    case 'write': {
      const text = renderConfig(sample, request.seq);
      const startedAt = epochNow();
      await writeConfigFile(request.file, text, request.style, request.seq);
      return { id: request.id, startedAt, endedAt: epochNow() };
    }
    case 'storm': {
      const texts = Array.from({ length: request.count }, (_, i) =>
        renderConfig(sample, request.fromSeq + i),
      );
      const startedAt = epochNow();
      for (let i = 0; i < texts.length; i++) {
        await writeConfigFile(request.file, texts[i], request.style, request.fromSeq + i);
      }
      return { id: request.id, startedAt, endedAt: epochNow() };
    }
    case 'chunked': {
      const text = renderConfig(sample, request.seq);
      const startedAt = epochNow();
      await writeChunked(request.file, text, request.chunks, request.gapMs);
      return { id: request.id, startedAt, endedAt: epochNow() };
    }
  }
}

process.on('message', (request: WriterRequest | { op: 'exit' }) => {
  if (request.op === 'exit') {
    process.disconnect();
    return;
  }
  handle(request).then(
    (reply) => process.send?.(reply),
    (error: unknown) =>
      process.send?.({ id: request.id, startedAt: 0, endedAt: 0, error: String(error) }),
  );
});
