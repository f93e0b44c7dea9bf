import pLimit from 'p-limit';
import { openOptions, reportProgress, withRetries, type DownloadContext } from './context.js';
import { FileSink } from './file-sink.js';
import { asSourceError, discard, openResponse, statusFailure } from './http.js';
import { chunkLength } from './partial.js';
import { receiveBody } from './receive.js';
import { SourceError } from './source-error.js';
import { parseContentRange } from './stream.js';

/**
 * Asks for the first byte: a 206 with the expected total means the server serves ranges, and its validator
 * pins the version every chunk must come from.
 */
export async function probeRanges(context: DownloadContext, source: string): Promise<string | false> {
  try {
    const response = await openResponse(source, openOptions(context, { range: 'bytes=0-0' }));
    discard(response);
    if (response.status !== 206) return false;
    const range = parseContentRange(response.header('content-range'));
    if (range?.total !== context.size) return false;
    return response.header('etag') ?? '';
  } catch (error) {
    if (error instanceof SourceError || context.signal?.aborted) throw error;
    throw asSourceError(error, context.signal);
  }
}

/** Fetches the missing chunks `parallel` at a time into the sparse partial; each chunk retries on its own. */
export async function rangesFrom(context: DownloadContext, source: string, etag: string): Promise<void> {
  const size = context.size as number;
  const { partial, chunkSize } = context;
  await partial.useChunks(chunkSize, size);
  if (etag !== '' && partial.state.etag !== undefined && partial.state.etag !== etag) {
    throw new SourceError('the file on the server changed since the partial download', 'restart');
  }
  await partial.saveState({ ...partial.state, url: source, ...(etag === '' ? {} : { etag }) });
  context.emit({ type: 'start', name: context.name, source, size, resumedFrom: partial.received });

  const stop = new AbortController();
  const signal = context.signal === undefined ? stop.signal : AbortSignal.any([context.signal, stop.signal]);
  const chunkContext: DownloadContext = { ...context, signal };
  const limit = pLimit(context.parallel);
  const missing = [];
  for (let index = 0; index * chunkSize < size; index++) if (!partial.done.has(index)) missing.push(index);
  const tasks = missing.map((index) =>
    limit(async () => {
      let written = 0;
      await withRetries(
        chunkContext,
        source,
        () => written,
        async () => {
          partial.received -= written;
          written = 0;
          await fetchChunk(chunkContext, source, etag, index, (bytes) => {
            written += bytes;
            partial.received += bytes;
            reportProgress(context);
          });
        },
      );
      await partial.markChunkDone(index);
    }).catch((error: unknown) => {
      stop.abort(error);
      throw error;
    }),
  );
  const results = await Promise.allSettled(tasks);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed !== undefined) throw context.signal?.aborted ? context.signal.reason : stop.signal.reason;
}

async function fetchChunk(
  context: DownloadContext,
  source: string,
  etag: string,
  index: number,
  onWritten: (bytes: number) => void,
): Promise<void> {
  const size = context.size as number;
  const start = index * context.chunkSize;
  const length = chunkLength(index, context.chunkSize, size);
  const headers: Record<string, string> = { range: `bytes=${start}-${start + length - 1}` };
  if (etag !== '' && !etag.startsWith('W/')) headers['if-range'] = etag;
  const response = await openResponse(source, openOptions(context, headers));
  const range = parseContentRange(response.header('content-range'));
  if (response.status !== 206 || range === undefined || range.start !== start || range.total !== size) {
    discard(response);
    if (response.status === 200) throw new SourceError('the file on the server changed', 'restart');
    throw response.status === 206
      ? new SourceError('answered with the wrong range', 'give-up')
      : statusFailure(response);
  }
  let written = 0;
  const sink = new FileSink({
    handle: context.partial.fileHandle,
    position: start,
    end: start + length,
    onWritten: (position, buffers, bytes) => {
      context.partial.wroteInChunk(position, buffers);
      written += bytes;
      onWritten(bytes);
    },
  });
  await receiveBody(context, response.body, sink);
  if (written < length)
    throw new SourceError(`chunk ${index} ended after ${written} of ${length} bytes`, 'retry');
}
