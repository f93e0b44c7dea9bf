import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One way of answering a request; a route answers its requests with its behaviours in turn, the last repeating. */
export type Behaviour = (
  request: IncomingMessage,
  response: ServerResponse,
  count: (bytes: number) => void,
) => void;

export interface RequestLog {
  path: string;
  range: string | undefined;
  ifRange: string | undefined;
}

/** A real HTTP server on 127.0.0.1 whose routes can misbehave in scripted ways, counting the body bytes sent. */
export class FaultServer {
  readonly requests: RequestLog[] = [];
  private readonly routes = new Map<string, Behaviour[]>();
  private readonly bytes = new Map<string, number>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FaultServer> {
    const server = createServer();
    const fault = new FaultServer(server);
    server.on('request', (request, response) => fault.handle(request, response));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return fault;
  }

  get origin(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  url(path: string): string {
    return `${this.origin}${path}`;
  }

  route(path: string, ...behaviours: Behaviour[]): this {
    this.routes.set(path, behaviours);
    return this;
  }

  served(path: string): number {
    return this.bytes.get(path) ?? 0;
  }

  requestsFor(path: string): RequestLog[] {
    return this.requests.filter((entry) => entry.path === path);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const path = (request.url ?? '/').split('?')[0] as string;
    this.requests.push({ path, range: header(request, 'range'), ifRange: header(request, 'if-range') });
    const behaviours = this.routes.get(path);
    const behaviour = behaviours?.length
      ? behaviours.length > 1
        ? behaviours.shift()
        : behaviours[0]
      : undefined;
    if (behaviour === undefined) {
      response.writeHead(404).end('not found');
      return;
    }
    behaviour(request, response, (bytes) => this.bytes.set(path, this.served(path) + bytes));
  }
}

export interface ServeOptions {
  ranges?: boolean;
  etag?: string;
  /** counted from the start of this response's body */
  resetAfter?: number;
  /** close the connection cleanly (a truncated body) after this many bytes */
  closeAfter?: number;
  /** stop sending (but keep the connection open) after this many bytes */
  stallAfter?: number;
  /** called once when the body has sent `notifyAfter` bytes */
  notifyAfter?: { bytes: number; callback: () => void };
  pieceSize?: number;
}

/** Serves `data` like a static file server (Range, If-Range, ETag), with an optional fault partway. */
export function serve(data: Buffer, options: ServeOptions = {}): Behaviour {
  return (request, response, count) => {
    let start = 0;
    let end = data.length - 1;
    const range = header(request, 'range');
    const ifRange = header(request, 'if-range');
    const rangeAllowed = options.ranges !== false && (ifRange === undefined || ifRange === options.etag);
    const match = range === undefined ? null : /^bytes=(\d+)-(\d*)$/.exec(range);
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
    if (options.etag !== undefined) headers.etag = options.etag;
    if (options.ranges !== false) headers['accept-ranges'] = 'bytes';
    if (match && rangeAllowed) {
      start = Number(match[1]);
      end = match[2] === '' ? data.length - 1 : Math.min(Number(match[2]), data.length - 1);
      if (start >= data.length) {
        response.writeHead(416, { 'content-range': `bytes */${data.length}` }).end();
        return;
      }
      headers['content-range'] = `bytes ${start}-${end}/${data.length}`;
      response.writeHead(206, { ...headers, 'content-length': String(end - start + 1) });
    } else {
      response.writeHead(200, { ...headers, 'content-length': String(data.length) });
    }
    void writeBody(response, data.subarray(start, end + 1), options, count);
  };
}

async function writeBody(
  response: ServerResponse,
  body: Buffer,
  options: ServeOptions,
  count: (n: number) => void,
) {
  const piece = options.pieceSize ?? 16 * 1024;
  let sent = 0;
  let notified = false;
  const stopAt = Math.min(
    body.length,
    options.resetAfter ?? Infinity,
    options.closeAfter ?? Infinity,
    options.stallAfter ?? Infinity,
  );
  while (sent < stopAt && !response.destroyed) {
    const next = body.subarray(sent, Math.min(stopAt, sent + piece));
    sent += next.length;
    count(next.length);
    const flowing = response.write(next);
    if (!notified && options.notifyAfter !== undefined && sent >= options.notifyAfter.bytes) {
      notified = true;
      options.notifyAfter.callback();
    }
    if (!flowing) await drainOrClose(response);
  }
  if (response.destroyed) return;
  if (sent === body.length) {
    response.end();
    return;
  }
  if (sent === options.stallAfter) return; // leave it open until the client gives up or the server closes
  // a reset throws away whatever the client has not read yet: let it read what was sent first
  await delivered(response);
  if (sent === options.resetAfter) response.socket?.resetAndDestroy();
  else response.socket?.destroy();
}

async function delivered(response: ServerResponse): Promise<void> {
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  while ((response.socket?.writableLength ?? 0) > 0 && !response.destroyed) await pause(2);
  await pause(20);
}

function drainOrClose(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}

/** A body that never ends (no Content-Length), until the client hangs up. */
export function endless(): Behaviour {
  const block = randomBytes(64 * 1024);
  return (_request, response, count) => {
    response.writeHead(200, { 'content-type': 'application/octet-stream' });
    const pump = () => {
      while (!response.destroyed) {
        count(block.length);
        if (!response.write(block)) {
          response.once('drain', pump);
          return;
        }
      }
    };
    pump();
  };
}

export function status(code: number, headers: Record<string, string> = {}): Behaviour {
  return (_request, response) => void response.writeHead(code, headers).end(`status ${code}`);
}

export function redirect(location: string, code = 302): Behaviour {
  return status(code, { location });
}

/** Random bytes with their digests, as a bundle would list them. */
export function blob(size: number): { data: Buffer; sha256: string; md5: string } {
  const data = randomBytes(size);
  return {
    data,
    sha256: createHash('sha256').update(data).digest('hex'),
    md5: createHash('md5').update(data).digest('hex'),
  };
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
