// Download throughput on loopback: romctl's fetch library against curl, and what a resume re-fetches.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const MiB = 1 << 20;
const blocks = 1024;
const size = blocks * MiB;

if (!isMainThread && workerData?.role === 'download-server') serveFile(workerData.file);

export async function benchDownload() {
  const { BlobCache, fetchBlob } = await import('../dist/fetch/index.js');
  const dir = await mkdtemp(join(tmpdir(), 'romctl-bench-download-'));
  const server = new Worker(new URL(import.meta.url), { workerData: { role: 'download-server', file: '' } });
  try {
    const { file, sha256 } = await makeFile(dir);
    server.postMessage({ type: 'file', file });
    const url = `${(await request(server, { type: 'origin' })).origin}/rom.bin`;
    const spec = { name: 'rom.bin', sha256, size, urls: [url] };
    let cacheRuns = 0;
    const romctl = async (options = {}) => {
      const cache = new BlobCache(join(dir, `cache-${cacheRuns++}`));
      const seconds = await timed(() => fetchBlob(spec, { cache, ...options }));
      await rm(cache.root, { recursive: true, force: true });
      return seconds;
    };
    const curl = async () => {
      const target = join(dir, 'curl.bin');
      const seconds = await timed(() => promisify(execFile)('curl', ['-sS', '-o', target, url]));
      await rm(target, { force: true });
      return seconds;
    };

    // alternate and keep the best of three, so neither side pays alone for a cold cache or a busy moment
    const times = { romctl: Infinity, curl: Infinity, parallel: Infinity };
    for (let round = 0; round < 3; round++) {
      times.romctl = Math.min(times.romctl, await romctl());
      times.curl = Math.min(times.curl, await curl());
      times.parallel = Math.min(times.parallel, await romctl({ parallel: 4 }));
    }
    console.log(
      `download 1 GiB: romctl ${times.romctl.toFixed(2)} s, curl ${times.curl.toFixed(2)} s, ` +
        `ratio ${(times.romctl / times.curl).toFixed(2)} (budget: ≤ 1.11, i.e. ≥ 90% of curl's throughput)`,
    );
    console.log(
      `download 1 GiB, 4 parallel ranges: romctl ${times.parallel.toFixed(2)} s, ` +
        `ratio to curl ${(times.parallel / times.curl).toFixed(2)}`,
    );

    // a connection reset at 50%: the retry resumes with Range
    await request(server, { type: 'cut', at: size / 2 });
    const before = (await request(server, { type: 'served' })).bytes;
    await romctl({ retry: { baseDelayMs: 10 } });
    const cut = (await request(server, { type: 'served' })).bytes - before - size;
    console.log(`resume after a connection reset at 50%: re-fetched ${formatBytes(cut)} of 1 GiB`);

    // an interrupted run at 50%: the next run resumes from the kept partial file
    const cache = new BlobCache(join(dir, 'cache-resume'));
    const controller = new AbortController();
    const start = (await request(server, { type: 'served' })).bytes;
    await fetchBlob(spec, {
      cache,
      signal: controller.signal,
      progress: (event) => {
        if (event.type === 'progress' && event.bytes >= size / 2) controller.abort();
      },
    }).catch(() => undefined);
    await fetchBlob(spec, { cache });
    const rerun = (await request(server, { type: 'served' })).bytes - start - size;
    console.log(`resume after an interrupted run at 50%: re-fetched ${formatBytes(rerun)} of 1 GiB`);
  } finally {
    await server.terminate();
    await rm(dir, { recursive: true, force: true });
  }
}

/** 1 GiB made of one random MiB repeated: written fast, and its sha256 computed on the way. */
async function makeFile(dir) {
  const file = join(dir, 'rom.bin');
  const block = randomBytes(MiB);
  const hash = createHash('sha256');
  const handle = await open(file, 'w');
  try {
    for (let index = 0; index < blocks; index++) {
      await handle.write(block, 0, MiB, index * MiB);
      hash.update(block);
    }
  } finally {
    await handle.close();
  }
  return { file, sha256: hash.digest('hex') };
}

async function timed(work) {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

let nextId = 0;
async function request(worker, message) {
  const id = nextId++;
  worker.postMessage({ ...message, id });
  for (;;) {
    const [reply] = await once(worker, 'message');
    if (reply.id === id) return reply;
  }
}

function formatBytes(bytes) {
  return bytes >= MiB ? `${(bytes / MiB).toFixed(1)} MiB` : `${bytes} B`;
}

/** The server runs in a worker thread, so it does not share an event loop with the client being measured. */
function serveFile(initial) {
  let file = initial;
  let served = 0;
  let cutAt;
  const server = createServer((req, res) => {
    stat(file).then(({ size: length }) => {
      let start = 0;
      let end = length - 1;
      const match = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
      const headers = {
        'accept-ranges': 'bytes',
        etag: '"bench"',
        'content-type': 'application/octet-stream',
      };
      if (match) {
        start = Number(match[1]);
        end = match[2] === '' ? end : Math.min(end, Number(match[2]));
        res.writeHead(206, {
          ...headers,
          'content-range': `bytes ${start}-${end}/${length}`,
          'content-length': end - start + 1,
        });
      } else {
        res.writeHead(200, { ...headers, 'content-length': length });
      }
      const limit = cutAt === undefined ? end : Math.min(end, cutAt - 1);
      const cutting = limit < end;
      cutAt = undefined;
      const stream = createReadStream(file, { start, end: limit, highWaterMark: MiB });
      stream.on('data', (chunk) => (served += chunk.length));
      stream.on('end', () => {
        if (cutting) res.socket?.destroy();
      });
      stream.pipe(res, { end: !cutting });
      res.on('close', () => stream.destroy());
    });
  });
  server.keepAliveTimeout = 10_000;
  server.listen(0, '127.0.0.1');
  parentPort.on('message', (message) => {
    if (message.type === 'file') file = message.file;
    if (message.type === 'origin') {
      const reply = () =>
        parentPort.postMessage({ id: message.id, origin: `http://127.0.0.1:${server.address().port}` });
      if (server.listening) reply();
      else server.once('listening', reply);
    }
    if (message.type === 'served') parentPort.postMessage({ id: message.id, bytes: served });
    if (message.type === 'cut') {
      cutAt = message.at;
      parentPort.postMessage({ id: message.id });
    }
  });
}

if (isMainThread && import.meta.url === `file://${process.argv[1]}`) await benchDownload();
