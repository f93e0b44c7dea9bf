#!/usr/bin/env node
// `npm run demo`: starts `romctl serve-demo` (a signed registry), fetches the demo nikel bundle from it into a temporary cache,
// flashes it onto the simulated phone when this romctl has `flash`, then stops the server and cleans up.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const romctl = fileURLToPath(new URL('../bin/romctl.js', import.meta.url));
const work = await mkdtemp(join(tmpdir(), 'romctl-demo-run-'));
const readyFile = join(work, 'ready');
const cache = join(work, 'cache');

/** Runs romctl with stderr shown; stdout is shown and returned. */
async function run(args) {
  console.log(`\n$ romctl ${args.join(' ')}`);
  const child = spawn(process.execPath, [romctl, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
    process.stdout.write(chunk);
  });
  const [code] = await once(child, 'exit');
  return { code: code ?? 1, stdout };
}

async function waitForReady(server) {
  let exited = false;
  server.once('exit', () => (exited = true));
  for (let waited = 0; waited < 120_000; waited += 100) {
    const ready = await readFile(readyFile, 'utf8').catch(() => undefined);
    if (ready !== undefined) {
      const [url, root] = ready.trim().split('\n');
      return { url, root };
    }
    if (exited) throw new Error('romctl serve-demo stopped before it was ready');
    await sleep(100);
  }
  throw new Error('romctl serve-demo was not ready after 2 minutes');
}

// the server's own `try:` line would name a server this script stops: its stdout is not shown
const server = spawn(process.execPath, [romctl, 'serve-demo', '--ready-file', readyFile], {
  stdio: ['ignore', 'ignore', 'inherit'],
});
let code = 0;
try {
  const registry = await waitForReady(server);
  // the demo registry is signed with keys made at its start; its root.json is what the client trusts
  const fetched = await run([
    'fetch',
    'nikel',
    '--registry',
    registry.url,
    '--registry-root',
    registry.root,
    '--cache',
    cache,
  ]);
  code = fetched.code;
  const help = await new Promise((resolve) => {
    const child = spawn(process.execPath, [romctl, '--help'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let text = '';
    child.stdout.on('data', (chunk) => (text += chunk));
    child.once('exit', () => resolve(text));
  });
  const folder = fetched.stdout.trim().split('\n').pop();
  if (code === 0 && folder && /^\s+flash\b/m.test(help)) {
    const backup = join(work, 'backup');
    code = (await run(['flash', folder, '--device', 'nikel', '--sim', 'nikel', '--backup-dir', backup])).code;
  } else if (code === 0) {
    console.log('\n(this romctl has no flash command yet: the demo stops after fetch)');
  }
} catch (error) {
  console.error(`demo: ${error.message}`);
  code = 1;
} finally {
  if (server.exitCode === null) {
    server.kill('SIGTERM');
    await once(server, 'exit');
  }
  await rm(work, { recursive: true, force: true });
}
console.log(code === 0 ? '\ndemo finished' : `\ndemo failed (exit ${code})`);
if (code === 0) {
  console.log(`
to do it yourself (the README's tour has every command):
  npx romctl serve-demo --dir romctl-demo --port 8765 &   # the demo mirror and its signed registry; wait for "serving"
  npx romctl fetch nikel --registry http://127.0.0.1:8765/registry/ \\
    --registry-root romctl-demo/www/registry/metadata/1.root.json
  npx romctl flash <the folder fetch printed> --device nikel --sim nikel
  kill %1                                                 # stop the mirror`);
}
process.exitCode = code;
