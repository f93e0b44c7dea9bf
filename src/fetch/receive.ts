import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DownloadContext } from './context.js';
import type { FileSink } from './file-sink.js';
import { asSourceError } from './http.js';
import { SourceError } from './source-error.js';

/**
 * Pipes a response body into its sink, cutting it off (a retryable failure) when fewer than the minimum-speed
 * bytes arrive in any window: a server that trickles a few bytes now and then would otherwise never time out.
 */
export async function receiveBody(context: DownloadContext, body: Readable, sink: FileSink): Promise<void> {
  const { bytesPerSecond, windowMs } = context.minSpeed;
  let arrived = 0;
  const count = (chunk: Buffer) => {
    arrived += chunk.length;
  };
  body.on('data', count);
  const watch = setInterval(() => {
    if (arrived * 1000 < bytesPerSecond * windowMs) {
      body.destroy(
        new SourceError(
          `slower than ${bytesPerSecond} bytes/s for ${windowMs / 1000} s (${arrived} bytes came)`,
          'retry',
        ),
      );
    }
    arrived = 0;
  }, windowMs);
  try {
    await pipeline(body, sink, context.signal === undefined ? {} : { signal: context.signal });
  } catch (error) {
    await sink.settled();
    throw asSourceError(error, context.signal);
  } finally {
    clearInterval(watch);
    body.off('data', count);
  }
}
