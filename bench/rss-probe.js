// Runs the romctl launcher given as the first argument in this process and reports its peak RSS and CPU on exit.
import { pathToFileURL } from 'node:url';

const [launcher, ...args] = process.argv.slice(2);
process.argv = [process.argv[0], launcher, ...args];
process.on('exit', () => {
  const { user, system } = process.cpuUsage();
  process.stderr.write(
    `ROMCTL_PEAK_RSS_KB=${process.resourceUsage().maxRSS}\nROMCTL_CPU_US=${user + system}\n`,
  );
});
await import(pathToFileURL(launcher).href);
