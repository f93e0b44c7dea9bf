// Child process for bench/flash.js: reads exactly N bytes from a serial port through romctl's own transport,
// as the simulated phone's side would, then exits.
import { openSerialTransport } from '../dist/engine/transport/index.js';

const [path, total] = process.argv.slice(2);
const transport = await openSerialTransport(path);
process.stdout.write('ready\n');
const CHUNK = 1024 * 1024;
for (let left = Number(total); left > 0; left -= CHUNK) await transport.read(Math.min(CHUNK, left), 30_000);
await transport.close();
