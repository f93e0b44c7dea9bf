import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve, sep } from 'node:path';
import { RomctlError } from '../errors.js';

export interface StaticServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  close(): Promise<void>;
}

/**
 * Serves a folder read-only over HTTP on the loopback address: GET and HEAD, a single byte range
 * (`Range: bytes=a-b`, `a-`, `-n`) with 206 / 416, an ETag from size and mtime, nothing outside the folder.
 */
export async function serveFolder(root: string, port = 0, host = '127.0.0.1'): Promise<StaticServer> {
  const base = resolve(root);
  const server = createServer((request, response) => {
    answer(base, request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  await new Promise<void>((resolved, rejected) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      rejected(
        new RomctlError(`cannot serve on ${host}:${port}: ${error.code ?? error.message}`, {
          hint: 'choose another --port (0 picks a free one)',
        }),
      ),
    );
    server.listen(port, host, resolved);
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    origin: `http://${host}:${bound}`,
    close: () =>
      new Promise<void>((resolved) => {
        server.closeAllConnections();
        server.close(() => resolved());
      }),
  };
}

async function answer(base: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const path = fileFor(base, request.url ?? '/');
  const info = path === undefined ? undefined : await stat(path).catch(() => undefined);
  if (path === undefined || !info?.isFile()) {
    response.writeHead(404).end();
    return;
  }
  const etag = `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
  if (request.headers['if-none-match'] === etag) {
    response.writeHead(304, { etag }).end();
    return;
  }
  const ifRange = request.headers['if-range'];
  const range = byteRange(
    request.headers.range,
    info.size,
    typeof ifRange === 'string' ? ifRange : undefined,
    etag,
  );
  if (range === 'unsatisfiable') {
    response.writeHead(416, { 'content-range': `bytes */${info.size}` }).end();
    return;
  }
  const [start, end] = range ?? [0, info.size - 1];
  const headers = {
    'accept-ranges': 'bytes',
    'content-length': String(Math.max(0, end - start + 1)),
    'content-type': 'application/octet-stream',
    etag,
    ...(range ? { 'content-range': `bytes ${start}-${end}/${info.size}` } : {}),
  };
  response.writeHead(range ? 206 : 200, headers);
  if (request.method === 'HEAD' || end < start) {
    response.end();
    return;
  }
  createReadStream(path, { start, end })
    .on('error', () => response.destroy())
    .pipe(response);
}

function fileFor(base: string, url: string): string | undefined {
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(url, 'http://demo').pathname);
  } catch {
    return undefined;
  }
  const path = resolve(join(base, pathname));
  return path.startsWith(base + sep) ? path : undefined;
}

/** The one range asked for, `undefined` for the whole file (no or unusable header, or a stale If-Range). */
function byteRange(
  header: string | undefined,
  size: number,
  ifRange: string | undefined,
  etag: string,
): [number, number] | 'unsatisfiable' | undefined {
  if (header === undefined || (ifRange !== undefined && ifRange !== etag)) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  const [first, last] = [match[1] as string, match[2] as string];
  const start = first === '' ? Math.max(0, size - Number(last)) : Number(first);
  const end = first === '' || last === '' ? size - 1 : Math.min(Number(last), size - 1);
  return start >= size || start > end ? 'unsatisfiable' : [start, end];
}
