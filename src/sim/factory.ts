/**
 * A phone as sold: when a profile says what its factory image holds and its storage file is new, the boot
 * partitions get a preloader built for this chip with an EMI record for its memory, and the user area a GPT.
 */
import { buildPreloader } from '../formats/preloader/index.js';
import { writeSimPartitionTable } from './partition-table.js';
import { storageBlockSize, type SimProfile } from './profiles.js';
import type { SimStorage } from './storage.js';

/** a BLOADER_INFO version whose records carry ids and rank sizes (v46: MT67xx preloaders of 2019 on) */
const FACTORY_BLOADER_VERSION = 46;

/** The preloader the phone's boot partitions hold from the factory, as read back from them. */
export function factoryPreloader(profile: SimProfile): Uint8Array {
  const { storage, dram } = profile;
  return buildPreloader({
    fileName: `preloader_${profile.codename}.bin`,
    platform: profile.chip.names[0] ?? '',
    bloaderVersion: FACTORY_BLOADER_VERSION,
    records: [
      {
        package: storage.kind === 'ufs' ? 'ufs' : 'emmc-mcp',
        dram: dram.type,
        id: storage.id,
        dramVendorId: dram.vendorId,
        rankSizes: dram.rankSizes,
      },
    ],
    bootArea: storage.kind,
  });
}

export async function writeFactoryImage(profile: SimProfile, storage: SimStorage): Promise<void> {
  if (!profile.factory) return;
  const preloader = factoryPreloader(profile);
  await storage.write('boot1', 0, preloader);
  await storage.write('boot2', 0, preloader);
  const partitions = profile.factory.partitions.map(([name, start, size]) => ({
    name,
    start: BigInt(start),
    size: BigInt(size),
  }));
  await writeSimPartitionTable(storage, partitions, storageBlockSize(profile.storage.kind));
}
