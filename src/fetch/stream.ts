import { openOptions, reportProgress, withRetries, type DownloadContext } from './context.js';
import { FileSink } from './file-sink.js';
import { discard, openResponse, statusFailure, type OpenedResponse } from './http.js';
import { receiveBody } from './receive.js';
import { SourceError } from './source-error.js';

/** Fetches the rest of the file from one source as one stream, resuming with Range after each failure. */
export async function streamFrom(context: DownloadContext, source: string): Promise<void> {
  const { partial } = context;
  await partial.useStream();
  await withRetries(
    context,
    source,
    () => partial.length,
    () => attempt(context, source),
  );
}

async function attempt(context: DownloadContext, source: string): Promise<void> {
  const { partial } = context;
  if (context.size !== undefined && partial.length === context.size) return;
  const from = partial.length;
  const response = await openResponse(
    source,
    openOptions(context, from > 0 ? resumeHeaders(context, source) : {}),
  );
  try {
    await acceptResponse(context, source, response, from);
  } catch (error) {
    discard(response);
    throw error;
  }
  context.emit({
    type: 'start',
    name: context.name,
    source,
    size: context.size,
    resumedFrom: partial.length,
  });
  const sink = new FileSink({
    handle: partial.fileHandle,
    position: partial.length,
    end: context.limit,
    onWritten: (position, buffers, bytes) => {
      partial.wrote(position, buffers, bytes);
      reportProgress(context);
    },
  });
  await receiveBody(context, response.body, sink);
  if (context.size !== undefined && partial.length < context.size) {
    throw new SourceError(`body ended after ${partial.length} of ${context.size} bytes`, 'retry');
  }
}

/** Range from the kept length; If-Range with the validator when the bytes came from this url. */
function resumeHeaders(context: DownloadContext, source: string): Record<string, string> {
  const headers: Record<string, string> = { range: `bytes=${context.partial.length}-` };
  const { state } = context.partial;
  if (state.url === source) {
    const validator =
      state.etag !== undefined && !state.etag.startsWith('W/') ? state.etag : state.lastModified;
    if (validator !== undefined) headers['if-range'] = validator;
  }
  return headers;
}

/** Checks status, range and validators, restarting the partial when the server sends the whole file. */
async function acceptResponse(
  context: DownloadContext,
  source: string,
  response: OpenedResponse,
  from: number,
): Promise<void> {
  const { partial } = context;
  const validators = {
    url: source,
    ...optional('etag', response.header('etag')),
    ...optional('lastModified', response.header('last-modified')),
  };
  if (response.status === 206) {
    const range = parseContentRange(response.header('content-range'));
    if (range === undefined || range.start !== from) {
      throw new SourceError(`answered a range request with the wrong range`, 'give-up');
    }
    checkTotal(context, range.total);
    const { state } = partial;
    if (state.url === source && state.etag !== undefined && validators.etag !== state.etag) {
      throw new SourceError('the file on the server changed since the partial download', 'restart');
    }
    partial.spliced = partial.spliced || from > 0;
    await partial.saveState(validators);
    return;
  }
  if (response.status !== 200) throw statusFailure(response);
  const length = response.header('content-length');
  if (length !== undefined && /^\d+$/.test(length)) checkTotal(context, Number(length));
  if (from > 0) {
    context.emit({
      type: 'restart',
      name: context.name,
      source,
      reason: 'the server sent the whole file (no Range support, or it changed)',
    });
    await partial.reset();
  }
  await partial.saveState(validators);
}

function checkTotal(context: DownloadContext, total: number | undefined): void {
  if (total === undefined) return;
  if (context.size !== undefined && total !== context.size) {
    throw new SourceError(`serves ${total} bytes, the bundle says ${context.size}`, 'give-up');
  }
  if (total > context.limit)
    throw new SourceError(`serves ${total} bytes, more than ${context.limit}`, 'give-up');
}

export function parseContentRange(
  value: string | undefined,
): { start: number; end: number; total: number | undefined } | undefined {
  const match = value === undefined ? null : /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value.trim());
  if (!match) return undefined;
  return {
    start: Number(match[1]),
    end: Number(match[2]),
    total: match[3] === '*' ? undefined : Number(match[3]),
  };
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}
