import fc from 'fast-check';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RomctlError } from '../../src/errors.js';
import { openRemoteRegistry } from '../../src/fetch/remote-registry.js';
import { openRegistry, requireDevice } from '../../src/registry/index.js';
import { mutate } from '../helpers/mutate-json.js';

/** What the fuzzed registry server answers: index.json, index/<codename>.json, the same text for every other document. */
const answers = { index: '', detail: '', document: '' };
let server: Server;
let url = '';
let cacheDir = '';

beforeAll(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'romctl-remote-fuzz-'));
  server = createServer((request, response) => {
    const url = request.url ?? '';
    response.end(
      url.endsWith('/registry/index.json')
        ? answers.index
        : url.includes('/registry/index/')
          ? answers.detail
          : answers.document,
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/registry/`;
});
afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await rm(cacheDir, { recursive: true, force: true });
});

const embedded = await openRegistry({ env: {} });
const nikel = await embedded.entry(requireDevice(embedded, 'nikel'));
const { profile, bundles, ...slim } = nikel;
const validIndex = { version: 2, devices: [slim] };
const validDetail = { profile, bundles: bundles.slice(0, 2) };

/** Opening the registry and reading a device and a bundle gives documents or a RomctlError (exit 3), nothing else. */
async function readsOrRefuses(): Promise<void> {
  try {
    const registry = await openRemoteRegistry(url, { cacheDir, retries: 0 });
    const slimEntry = registry.devices()[0];
    if (slimEntry === undefined) return;
    const entry = await registry.entry(slimEntry);
    const bundle = entry.bundles[0];
    if (bundle) await registry.bundle(entry, bundle.id);
  } catch (error) {
    if (!(error instanceof RomctlError)) throw error;
    expect(error.exitCode).toBe(3);
  }
}

it('a mutated index, device entry or document from a remote registry is read or refused as an integrity failure', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.nat(40), { maxLength: 6 }),
      fc.jsonValue({ maxDepth: 2 }),
      fc.boolean(),
      fc.oneof(fc.constant('codename: nikel\nplatform: mtk\n'), fc.string({ maxLength: 80 })),
      async (path, replacement, inDetail, document) => {
        answers.index = JSON.stringify(inDetail ? validIndex : mutate(validIndex, path, replacement));
        answers.detail = JSON.stringify(inDetail ? mutate(validDetail, path, replacement) : validDetail);
        answers.document = document;
        await readsOrRefuses();
      },
    ),
    { numRuns: 60 },
  );
});

it('random bytes as index.json are refused', async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.string({ maxLength: 100 }), fc.json({ maxDepth: 3 })), async (text) => {
      answers.index = text;
      answers.detail = text;
      answers.document = '';
      await readsOrRefuses();
    }),
    { numRuns: 40 },
  );
});
