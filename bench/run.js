// `npm run bench`: every budget of DESIGN §8 measured against a named tool in the same run.
import { cpus } from 'node:os';
import { benchCheck } from './check.js';
import { benchDownload } from './download.js';
import { benchFlash } from './flash.js';
import { benchRegistry } from './registry.js';
import { benchStartup } from './startup.js';

console.log(`node ${process.version}, ${cpus().length} cores`);
await benchStartup();
await benchRegistry();
await benchCheck();
await benchDownload();
await benchFlash();
