import type { Command } from 'commander';
import type { CommandRunner } from '../context.js';

export function registerCache(program: Command, runner: CommandRunner): void {
  const cache = program
    .command('cache')
    .description(
      'the download cache: list, verify (rehash) or prune downloads, unpacked bundles and partial downloads',
    )
    .option('--cache <dir>', 'the cache folder (default $XDG_CACHE_HOME/romctl, ~/.cache/romctl)');
  const dir = () => (cache.opts() as { cache?: string }).cache;
  cache
    .command('ls')
    .description(
      'list downloads (file, device, release, size, last used), unpacked bundles and partial downloads',
    )
    .action(
      runner.action(async (output) => {
        const { runCacheList } = await import('./cache-run.js');
        return runCacheList(output, dir());
      }),
    );
  cache
    .command('verify')
    .description('rehash every blob; corrupt ones are removed and reported (exit 3)')
    .action(
      runner.action(async (output) => {
        const { runCacheVerify } = await import('./cache-run.js');
        return runCacheVerify(output, dir());
      }),
    );
  cache
    .command('prune')
    .description(
      'remove downloads, unpacked bundles and partial downloads not used for a while, or everything with --all',
    )
    .option('--older-than <age>', 'age like 30d, 12h, 90m (default 30d)')
    .option('--all', 'remove every download, unpacked bundle and partial download')
    .action(
      runner.action(async (output, options: { olderThan?: string; all?: boolean }) => {
        const { runCachePrune } = await import('./cache-run.js');
        return runCachePrune(output, dir(), options);
      }),
    );
}
