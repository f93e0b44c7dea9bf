import { BromClient } from '../../src/engine/brom.js';
import { createMemoryPair } from '../../src/engine/transport/memory.js';
import type { Transport } from '../../src/engine/transport/types.js';
import { buildPreloader, type BuildPreloaderOptions } from '../../src/formats/preloader/index.js';
import { SimPhone, type DaServer } from '../../src/sim/phone.js';
import { resolveSimProfile, type SimProfile } from '../../src/sim/profiles.js';

const GiB = 1n << 30n;

/** nikel's 3 GB variant: Samsung LPDDR3 2 × 1.5 GiB, as the simulated nikel has */
export const NIKEL_RECORD = {
  package: 'discrete',
  dram: 'LPDDR3',
  dramVendorId: 0x01,
  rankSizes: [(3n * GiB) / 2n, (3n * GiB) / 2n],
} as const;

/** a nikel preloader as read back from boot1; `overrides` make it wrong on purpose */
export function nikelPreloader(overrides: Partial<BuildPreloaderOptions> = {}): Uint8Array {
  return buildPreloader({
    fileName: 'preloader_nikel.bin',
    platform: 'MT6797',
    bloaderVersion: 0,
    records: [
      { ...NIKEL_RECORD, dramVendorId: 0x06, rankSizes: [2n * GiB, 2n * GiB] },
      { ...NIKEL_RECORD, rankSizes: [...NIKEL_RECORD.rankSizes] },
    ],
    bootArea: 'emmc',
    ...overrides,
  });
}

export interface Bench {
  phone: SimPhone;
  host: Transport;
  client: BromClient;
  served: Promise<void>;
  close(): Promise<void>;
}

/** a simulated phone serving one end of an in-memory link, the BROM client on the other */
export async function bench(
  options: {
    profile?: SimProfile | string;
    preloader?: Uint8Array;
    daServer?: DaServer;
    phoneFirst?: Uint8Array;
  } = {},
): Promise<Bench> {
  const profile =
    typeof options.profile === 'object' ? options.profile : resolveSimProfile(options.profile ?? 'nikel');
  const phone = await SimPhone.create({ profile, daServer: options.daServer });
  if (options.preloader) {
    await phone.storage.write('boot1', 0, options.preloader);
    await phone.reboot();
  }
  const [host, device] = createMemoryPair();
  if (options.phoneFirst) await device.write(options.phoneFirst);
  const served = phone.serve(device);
  return {
    phone,
    host,
    client: new BromClient(host, 2000),
    served,
    async close() {
      await host.close();
      await served;
      await phone.close();
    },
  };
}
