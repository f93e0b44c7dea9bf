import type { Bundle, BundleFile } from '../registry/model.js';
import type { SignedTargets } from '../registry/registry.js';
import { firmwareTarget } from '../registry/trust/targets.js';
import { downloadError } from './source-error.js';

/**
 * The bundle with each downloadable file's sha256 and size taken from the signed targets metadata, so the
 * download is verified against what the registry's keys signed before anything is unpacked. A file the
 * targets do not pin, or pin differently from the bundle document, is refused (exit 3).
 */
export async function pinToSignedTargets(bundle: Bundle, signed: SignedTargets): Promise<Bundle> {
  const files: BundleFile[] = [];
  for (const file of bundle.files) {
    const path = firmwareTarget(bundle.codename, bundle.id, file.name);
    const target = await signed.file(path);
    if (target === undefined) {
      if (file.sha256 === undefined) {
        files.push(file);
        continue;
      }
      throw downloadError(`the signed targets do not pin ${file.name}`, {
        where: path,
        hint: 'the registry is incomplete (a sha256 without a size cannot be signed); tell its maintainer',
      });
    }
    if (
      (file.sha256 !== undefined && file.sha256 !== target.sha256) ||
      (file.size !== undefined && file.size !== target.length)
    ) {
      throw downloadError(`the bundle document and the signed targets disagree about ${file.name}`, {
        where: path,
        hint: 'the registry is inconsistent or tampered with; nothing was downloaded',
      });
    }
    files.push({ ...file, sha256: target.sha256, size: target.length });
  }
  return { ...bundle, files };
}
