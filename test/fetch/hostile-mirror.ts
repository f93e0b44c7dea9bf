import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';

/** What the mirror does instead of serving a path's file. */
export type Answer = (response: ServerResponse) => void;

/**
 * A real HTTP server on 127.0.0.1 that serves a folder honestly until told to turn hostile on a path: serve
 * other bytes, stream without end, or anything else an `Answer` does.
 */
export class HostileMirror {
  private readonly hostile = new Map<string, Answer>();

  private constructor(
    private readonly server: Server,
    readonly root: string,
  ) {}

  static async start(root: string): Promise<HostileMirror> {
    const server = createServer();
    const mirror = new HostileMirror(server, root);
    server.on('request', (request, response) => {
      const path = new URL(request.url ?? '/', 'http://mirror').pathname;
      const answer = mirror.hostile.get(path);
      if (answer) return answer(response);
      readFile(join(root, normalize(decodeURIComponent(path)).replace(/^(\.\.[/\\])+/, ''))).then(
        (bytes) => response.writeHead(200, { 'content-length': bytes.length }).end(bytes),
        () => response.writeHead(404).end(),
      );
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return mirror;
  }

  get origin(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** From now on `path` is answered by `answer`. */
  turn(path: string, answer: Answer): void {
    this.hostile.set(path, answer);
  }

  /** Honest again everywhere. */
  reform(): void {
    this.hostile.clear();
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }
}

/** Bytes without end, as fast as the client takes them. */
export const endless: Answer = (response) => {
  response.writeHead(200, { 'content-type': 'application/json' });
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  const pump = () => {
    while (response.write(chunk));
  };
  response.on('drain', pump);
  response.on('close', () => response.off('drain', pump));
  pump();
};

/** Other bytes than the file's. */
export const serve =
  (bytes: Buffer): Answer =>
  (response) =>
    response.writeHead(200, { 'content-length': bytes.length }).end(bytes);
