import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchBlob } from '../../src/fetch/fetch-blob.js';
import { blob, serve } from './fault-server.js';
import { useFetchFixture } from './helpers.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
let build = '';

/**
 * The library transpiled into a temporary folder, so a real child process can run it (and be killed) without
 * depending on a fresh `dist/`. The child fetches one blob and prints the result as JSON.
 */
beforeAll(async () => {
  build = await mkdtemp(join(tmpdir(), 'romctl-fetch-child-'));
  const sources = [
    join(repo, 'src/errors.ts'),
    ...(await readdir(join(repo, 'src/fetch'))).map((name) => join(repo, 'src/fetch', name)),
  ];
  for (const source of sources.filter((path) => path.endsWith('.ts'))) {
    const output = ts.transpileModule(await readFile(source, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const target = join(build, relative(join(repo, 'src'), source)).replace(/\.ts$/, '.js');
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, output);
  }
  await writeFile(join(build, 'package.json'), '{"type":"module"}');
  await symlink(join(repo, 'node_modules'), join(build, 'node_modules'), 'dir');
  await writeFile(
    join(build, 'child.js'),
    `import { BlobCache, fetchBlob } from './fetch/index.js';
const [cacheDir, spec] = process.argv.slice(2);
const result = await fetchBlob(JSON.parse(spec), { cache: new BlobCache(cacheDir), lockPollMs: 10 });
process.stdout.write(JSON.stringify(result));
`,
  );
});

afterAll(async () => {
  if (build !== '') await rm(build, { recursive: true, force: true });
});

function runChild(cacheDir: string, spec: object): { child: ChildProcess; output: Promise<string> } {
  const child = spawn(process.execPath, [join(build, 'child.js'), cacheDir, JSON.stringify(spec)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const output = once(child, 'exit').then(([code]) => {
    if (code !== 0) throw new Error(`child exited with ${String(code)}: ${stderr}`);
    return stdout;
  });
  output.catch(() => undefined);
  return { child, output };
}

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  for (let tries = 0; tries < 1000; tries++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('condition not met in 10 s');
}

describe('downloads across processes', () => {
  const f = useFetchFixture();
  const size = 8 << 20;

  it('a process killed mid-download leaves a partial the next run resumes, fetching only what was missing', async () => {
    const file = blob(size);
    const half = 3 << 20;
    f.server.route('/rom.zip', serve(file.data, { stallAfter: half }), serve(file.data));
    const spec = { name: 'rom.zip', sha256: file.sha256, size, urls: [f.server.url('/rom.zip')] };
    const part = `${f.cache.partialStem(file.sha256)}.part`;
    const { child } = runChild(f.cache.root, spec);
    await waitFor(async () => (await stat(part).catch(() => undefined))?.size === half);
    child.kill('SIGKILL');
    await once(child, 'exit');
    // the dead child's lock is still there: the next run must take it over
    expect((await stat(f.cache.lockPath(file.sha256))).isFile()).toBe(true);

    const servedBefore = f.server.served('/rom.zip');
    const result = await fetchBlob(spec, f.options());
    expect(result.sha256).toBe(file.sha256);
    expect(f.server.requestsFor('/rom.zip').at(-1)?.range).toBe(`bytes=${half}-`);
    expect(f.server.served('/rom.zip') - servedBefore).toBe(size - half);
  });

  it('two processes fetching one blob: one downloads, the other waits and finds it', async () => {
    const file = blob(size);
    f.server.route('/rom.zip', serve(file.data));
    const spec = { name: 'rom.zip', sha256: file.sha256, size, urls: [f.server.url('/rom.zip')] };
    const results = await Promise.all([
      runChild(f.cache.root, spec).output,
      runChild(f.cache.root, spec).output,
    ]);
    const [a, b] = results.map((text) => JSON.parse(text) as { path: string; source: string });
    expect(a?.path).toBe(f.cache.blobPath(file.sha256));
    expect(b?.path).toBe(a?.path);
    expect(f.server.served('/rom.zip')).toBe(size);
    expect((await readFile(a?.path as string)).equals(file.data)).toBe(true);
  });
});
