// Download throughput on loopback: romctl's fetch library against `curl -o` and `curl | tee | sha256sum`, and
// what a resume re-fetches. The server runs in its own process (bench/download-server.js).
import { execFile, fork } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { report } from './verdict.js';

const MiB = 1 << 20;
const blocks = 1024;
const size = blocks * MiB;
const rounds = 5;
const chunkSize = 32 * MiB;

export async function benchDownload() {
  const { BlobCache, fetchBlob } = await import('../dist/fetch/index.js');
  const dir = await mkdtemp(join(tmpdir(), 'romctl-bench-download-'));
  let server;
  try {
    const { file, sha256 } = await makeFile(dir);
    server = fork(fileURLToPath(new URL('./download-server.js', import.meta.url)), [file], {
      stdio: 'inherit',
    });
    const [{ origin }] = await once(server, 'message');
    const url = `${origin}/rom.bin`;
    const spec = { name: 'rom.bin', sha256, size, urls: [url] };
    let cacheRuns = 0;
    const romctl = async (options = {}) => {
      const cache = new BlobCache(join(dir, `cache-${cacheRuns++}`));
      const seconds = await timed(() => fetchBlob(spec, { cache, chunkSize, ...options }));
      await rm(cache.root, { recursive: true, force: true });
      return seconds;
    };
    const target = join(dir, 'curl.bin');
    const curl = async () => {
      const seconds = await timed(() => promisify(execFile)('curl', ['-sS', '-o', target, url]));
      await rm(target, { force: true });
      return seconds;
    };
    const curlTee = async () => {
      let out = '';
      const seconds = await timed(async () => {
        const script = 'set -o pipefail; curl -sS "$1" | tee "$2" | sha256sum';
        out = (await promisify(execFile)('bash', ['-c', script, 'bash', url, target])).stdout;
      });
      await rm(target, { force: true });
      if (!out.startsWith(sha256)) throw new Error(`curl | tee | sha256sum printed ${out.trim()}`);
      return seconds;
    };

    // alternate and keep the best of each, so neither side pays alone for a cold cache or a busy moment
    const best = { romctl: Infinity, curl: Infinity, tee: Infinity, parallel: Infinity };
    for (let round = 0; round < rounds; round++) {
      best.romctl = Math.min(best.romctl, await romctl());
      best.curl = Math.min(best.curl, await curl());
      best.tee = Math.min(best.tee, await curlTee());
      best.parallel = Math.min(best.parallel, await romctl({ parallel: 4 }));
    }
    const rate = (seconds) => `${(size / MiB / seconds).toFixed(0)} MiB/s`;
    const figures = (seconds, peer, peerName) =>
      `1 GiB on loopback, best of ${rounds} alternated: romctl ${seconds.toFixed(2)} s (${rate(seconds)}), ` +
      `${peerName} ${peer.toFixed(2)} s (${rate(peer)})`;
    report({
      name: 'download: throughput',
      peer: '`curl -o`',
      ratio: best.curl / best.romctl,
      limit: 0.9,
      sense: 'at-least',
      measured: figures(best.romctl, best.curl, 'curl'),
    });
    report({
      name: 'download: throughput with the hash',
      peer: '`curl | tee | sha256sum`',
      ratio: best.tee / best.romctl,
      limit: 1,
      sense: 'at-least',
      measured: figures(best.romctl, best.tee, 'curl | tee | sha256sum'),
    });
    report({
      name: 'download: 4 parallel ranges',
      peer: '`curl -o`',
      ratio: best.curl / best.parallel,
      limit: 0.9,
      sense: 'at-least',
      measured: `${figures(best.parallel, best.curl, 'curl')}; ranges of ${chunkSize / MiB} MiB`,
    });

    const served = async () => (await request(server, { type: 'served' })).bytes;
    // a connection reset at 50%: the retry resumes with Range
    await request(server, { type: 'cut', at: size / 2 });
    const before = await served();
    await romctl({ retry: { baseDelayMs: 10 } });
    const cut = (await served()) - before - size;
    reportResume('a connection reset at 50 %', cut);

    // an interrupted run at 50%: the next run resumes from the kept partial file. Re-fetched is what the resumed run
    // asks for beyond the bytes the first run never received; what the server had sent into the socket when the
    // client stopped is not something the client fetched twice
    const cache = new BlobCache(join(dir, 'cache-resume'));
    const controller = new AbortController();
    const start = await served();
    let receivedAtStop = 0;
    await fetchBlob(spec, {
      cache,
      chunkSize,
      signal: controller.signal,
      progress: (event) => {
        if (event.type !== 'progress' || controller.signal.aborted) return;
        receivedAtStop = event.bytes;
        if (event.bytes >= size / 2) controller.abort();
      },
    }).catch(() => undefined);
    const firstRun = (await served()) - start;
    const resumed = await timed(() => fetchBlob(spec, { cache, chunkSize }));
    const resumedRun = (await served()) - start - firstRun;
    reportResume(
      `an interrupted run at 50 % (the resumed run took ${resumed.toFixed(2)} s; the server had sent ` +
        `${formatBytes(firstRun - receivedAtStop)} more than the client received when it stopped)`,
      resumedRun - (size - receivedAtStop),
    );
  } finally {
    server?.disconnect();
    if (server !== undefined && server.exitCode === null) await once(server, 'exit');
    await rm(dir, { recursive: true, force: true });
  }
}

function reportResume(what, refetched) {
  report({
    name: `download: resume after ${what.split(' (')[0]}`,
    peer: `one chunk (${chunkSize / MiB} MiB)`,
    ratio: refetched / chunkSize,
    limit: 1,
    sense: 'at-most',
    measured: `after ${what}, re-fetched ${formatBytes(refetched)} of 1 GiB`,
  });
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
async function request(child, message) {
  const id = nextId++;
  child.send({ ...message, id });
  for (;;) {
    const [reply] = await once(child, 'message');
    if (reply.id === id) return reply;
  }
}

function formatBytes(bytes) {
  return bytes >= MiB ? `${(bytes / MiB).toFixed(1)} MiB` : `${bytes} B`;
}

if (import.meta.url === `file://${process.argv[1]}`) await benchDownload();
