import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** The sha256 of a whole file, streamed. */
export async function sha256OfFile(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  const stream = createReadStream(path, {
    highWaterMark: 1 << 20,
    ...(signal === undefined ? {} : { signal }),
  });
  for await (const chunk of stream as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}
