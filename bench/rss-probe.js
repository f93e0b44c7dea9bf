// Runs the romctl launcher given as the first argument in this process and reports the peak RSS on exit.
import { pathToFileURL } from 'node:url';

const [launcher, ...args] = process.argv.slice(2);
process.argv = [process.argv[0], launcher, ...args];
process.on('exit', () => {
  process.stderr.write(`ROMCTL_PEAK_RSS_KB=${process.resourceUsage().maxRSS}\n`);
});
await import(pathToFileURL(launcher).href);
