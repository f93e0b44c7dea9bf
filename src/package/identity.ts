/**
 * Whose package is this? The device names a package carries about itself: recovery updater-script asserts,
 * fastboot `flash_all` product checks, MiFlash folder and archive names, `build.prop`, and which chip family its
 * files belong to. Read from file names and a few small text files; nothing is executed.
 */
import { posix } from 'node:path';
import type { PackageView } from './types.js';

export interface IdentityClaim {
  /** the device codename the package names, lower case */
  codename: string;
  /** where it says so, e.g. `META-INF/com/google/android/updater-script asserts ro.product.device == "mido"` */
  source: string;
}

export interface PackageIdentity {
  claims: IdentityClaim[];
  /** `ro.product.model` from a build.prop, e.g. "Redmi Note 4X" */
  model: string | null;
  /** the chip family the package's own files belong to, when they say */
  platform: 'Qualcomm' | 'MediaTek' | null;
}

const MAX_TEXT = 1024 * 1024;
const UPDATER_SCRIPT = /(^|\/)META-INF\/com\/google\/android\/updater-script$/;
const FLASH_ALL = /(^|\/)flash_all[^/]*\.(sh|bat)$/i;
const BUILD_PROP = /(^|\/)(system\/)?build\.prop$/;
/** MiFlash: `mido_images_7.9.22_…`, `mido_global_images_V9.5.6.0…` (folder or archive) */
const MIFLASH_NAME = /^([a-z0-9]+?)(?:_[a-z]+)?_images_[0-9A-Za-z.]+_/;
/** files only Qualcomm packages carry (modem firmware, TrustZone and boot chain images) */
const QUALCOMM_FILES = /(^|\/)(NON-HLOS\.bin|[^/]+\.mbn|rawprogram[^/]*\.xml|prog_[^/]*firehose[^/]*)$/i;
const MEDIATEK_FILES =
  /(^|\/)(MT\d{4}[^/]*_Android_scatter\.(txt|xml)|preloader_[^/]+\.bin|MTK_AllInOne_DA\.bin)$/i;

/** Reads what the package says about its device. */
export async function readPackageIdentity(view: PackageView): Promise<PackageIdentity> {
  const paths = view
    .entries()
    .filter((entry) => entry.kind !== 'dir')
    .map((entry) => entry.path);
  const claims: IdentityClaim[] = [];
  const add = (codename: string, source: string) => {
    const name = codename.toLowerCase();
    if (!claims.some((c) => c.codename === name && c.source === source))
      claims.push({ codename: name, source });
  };
  for (const name of [posix.basename(view.source), ...new Set(paths.map((p) => p.split('/')[0] ?? ''))]) {
    const miflash = MIFLASH_NAME.exec(name);
    if (miflash?.[1]) add(miflash[1], `MiFlash name ${name}`);
  }
  let model: string | null = null;
  for (const path of paths) {
    if (!UPDATER_SCRIPT.test(path) && !FLASH_ALL.test(path) && !BUILD_PROP.test(path)) continue;
    const text = await readText(view, path);
    if (text === null) continue;
    if (UPDATER_SCRIPT.test(path)) {
      for (const [, prop, value] of text.matchAll(
        /getprop\("(ro\.product\.device|ro\.build\.product)"\)\s*==\s*"([^"]+)"/g,
      ))
        add(value as string, `${path} asserts ${prop} == "${value}"`);
    } else if (FLASH_ALL.test(path)) {
      for (const [, value] of text.matchAll(/\^product:\s*\*?\s*([A-Za-z0-9_-]+)/g))
        add(value as string, `${path} checks the phone's product is ${value}`);
    } else {
      const device = /^ro\.product\.device=(.+)$/m.exec(text)?.[1]?.trim();
      if (device) add(device, `${path} ro.product.device=${device}`);
      model = model ?? /^ro\.product\.model=(.+)$/m.exec(text)?.[1]?.trim() ?? null;
    }
  }
  const platform = paths.some((p) => QUALCOMM_FILES.test(p))
    ? 'Qualcomm'
    : paths.some((p) => MEDIATEK_FILES.test(p))
      ? 'MediaTek'
      : null;
  return { claims, model, platform };
}

async function readText(view: PackageView, path: string): Promise<string | null> {
  const entry = view.resolve(path);
  if (!entry || entry.size > MAX_TEXT) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of await view.open(path)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** "mido (Qualcomm Redmi Note 4X)" */
export function describeClaimed(identity: PackageIdentity): string {
  const codenames = [...new Set(identity.claims.map((c) => c.codename))];
  const detail = [identity.platform, identity.model].filter((x): x is string => x !== null).join(' ');
  return `${codenames.join('/')}${detail ? ` (${detail})` : ''}`;
}
