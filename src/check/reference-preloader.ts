import { stat } from 'node:fs/promises';
import { readFile } from 'node:fs/promises';
import { RomctlError } from '../errors.js';
import { collectFacts } from './collect.js';
import type { PreloaderFacts } from './facts.js';
import { readPreloaderFacts } from './preloader-facts.js';

const PRELOADER_MAX = 16 * 1024 * 1024;

/**
 * The preloader to compare with (`--preloader-from`): a preloader file itself, or the one inside another package
 * (folder, zip, tgz, scatter), found the same way `check` finds a package's own.
 */
export async function loadReferencePreloader(path: string): Promise<PreloaderFacts> {
  const info = await stat(path).catch(() => null);
  if (info === null) throw new RomctlError('no such file or folder', { where: path, hint: 'check the path' });
  if (info.isFile() && info.size <= PRELOADER_MAX && !/\.(zip|tgz|tar|gz|txt|xml)$/i.test(path)) {
    const facts = readPreloaderFacts(path, BigInt(info.size), await readFile(path));
    if (facts.info) return facts;
  }
  const packageFacts = await collectFacts(path);
  const [preloader] = packageFacts.preloaders.values();
  if (!preloader) {
    throw new RomctlError('holds no preloader to compare with', {
      where: path,
      hint: 'name a preloader file or a package whose scatter lists one',
    });
  }
  return { ...preloader, path: `${path}!${preloader.path}` };
}
