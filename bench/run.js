// `npm run bench`: every budget of DESIGN §8 measured against a named tool in the same run.
import { benchCheck } from './check.js';

console.log(`node ${process.version}, ${(await import('node:os')).cpus().length} cores`);
await benchCheck();
