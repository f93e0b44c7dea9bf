/**
 * Before a flash touches the phone: the package is checked against the device (the same rules as `romctl
 * check --device`), judged in the flash's mode, and turned into a plan. The engine gets the plan and a way to
 * stream the package's images; it never parses the package itself.
 */
import { posix } from 'node:path';
import type { DeviceFacts, PackageFacts, PlanMode, Report } from '../../check/index.js';
import { buildReport, collectFromView, DEVICE_RULES, PACKAGE_RULES } from '../../check/index.js';
import { PROTECTED_PARTITIONS } from '../../check/rules/data-safety.js';
import type { SessionExpectations } from '../../engine/flash-session.js';
import { ExitCode, RomctlError } from '../../errors.js';
import { canonicalPartitionName } from '../../formats/scatter/model.js';
import { openPackage, type PackageView } from '../../package/index.js';

export interface CheckedPackage {
  view: PackageView;
  facts: PackageFacts;
  report: Report;
  /** the DA file found in the package (SP Flash Tool packages ship `MTK_AllInOne_DA.bin`) */
  da: { bytes: Uint8Array; name: string } | null;
  openImage(path: string): Promise<AsyncIterable<Uint8Array>>;
  close(): Promise<void>;
}

const DA_NAMES = /^(MTK_AllInOne_DA|MTK_DA_V5|DA_.*)\.bin$/i;
const MAX_DA_BYTES = 64 * 1024 * 1024;

/**
 * Checks the package for a flash in `mode`. The plan backs up every protected partition before it formats, so
 * the data-safety rule is told that backup exists (DESIGN §4.6: the engine fills it in).
 */
export async function checkForFlash(
  path: string,
  device: DeviceFacts,
  mode: PlanMode,
): Promise<CheckedPackage> {
  const view = await openPackage(path);
  try {
    const facts = await collectFromView(view, { mode });
    facts.device = device;
    const partitions = facts.scatter?.model.layouts.flatMap((layout) => layout.partitions) ?? [];
    for (const partition of partitions) {
      const name = canonicalPartitionName(partition.name);
      if (PROTECTED_PARTITIONS.has(name)) facts.verifiedBackup.add(name);
    }
    const report = buildReport(facts, [...PACKAGE_RULES, ...DEVICE_RULES]);
    const da = await findDa(view, facts);
    return {
      view,
      facts,
      report,
      da,
      openImage: (image) => view.open(image),
      close: () => view.close(),
    };
  } catch (error) {
    await view.close();
    throw error;
  }
}

/** What the phone must be: the device's chip (hw code) and storage kinds. */
export function expectationsOf(device: DeviceFacts): SessionExpectations {
  return {
    device: device.codename,
    ...(device.hwCode === undefined ? {} : { hwCode: device.hwCode }),
    ...(device.chip === undefined ? {} : { chip: device.chip }),
    storage: device.storage,
  };
}

async function findDa(view: PackageView, facts: PackageFacts): Promise<CheckedPackage['da']> {
  const folder = facts.scatter ? posix.dirname(facts.scatter.path) : '.';
  const candidates = view
    .entries()
    .filter((entry) => entry.kind === 'file' && DA_NAMES.test(posix.basename(entry.path)))
    .sort((a, b) => Number(posix.dirname(b.path) === folder) - Number(posix.dirname(a.path) === folder));
  const entry = candidates[0];
  if (!entry) return null;
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of await view.open(entry.path)) {
    length += (chunk as Buffer).length;
    if (length > MAX_DA_BYTES) {
      throw new RomctlError('too large for a DA file', { exitCode: ExitCode.badInput, where: entry.path });
    }
    chunks.push(chunk as Buffer);
  }
  return { bytes: new Uint8Array(Buffer.concat(chunks)), name: entry.path };
}
