/**
 * Connecting for a flash or a backup: BROM/preloader handshake and identification, the chip check, DA1 upload,
 * then the XFlash bring-up with the memory check. Everything here happens before a single byte is written; a
 * phone that is not the expected one is refused (exit 1) with the same finding codes `romctl check` uses.
 */
import { ExitCode, RomctlError } from '../errors.js';
import { BromClient, type BromIdentity } from './brom.js';
import type { DaClient, MemoryIdentity } from './da/client.js';
import { readSimDaIdentity } from './da/container-build.js';
import { DaStatusError } from './da/da-status.js';
import { daStages, parseDaContainer, pickDaEntry } from './da/container.js';
import { LegacyDaClient } from './da/legacy.js';
import type { StorageInfo } from './da/xflash-info.js';
import { XFlashClient } from './da/xflash.js';
import type { Transport } from './transport/types.js';

export interface SessionExpectations {
  /** the profile's name, for messages */
  device: string;
  /** BROM hw code the profile's chip reports (nikel: 0x279) */
  hwCode?: number;
  chip?: string;
  /** storage kinds the profile knows (`EMMC`, `UFS`) */
  storage?: readonly string[];
}

export interface SessionOptions {
  transport: Transport;
  daFile: Uint8Array;
  daFileName?: string;
  /** the package preloader's MTK_BLOADER_INFO block: needed when the boot ROM (not a preloader) loads the DA */
  emiBlock: Uint8Array | null;
  expect: SessionExpectations;
  /** runs on the memory id the DA reports before DRAM setup; throws to stop */
  checkMemory?: (info: MemoryIdentity) => void | Promise<void>;
  timeoutMs?: number;
}

export interface FlashSession {
  client: DaClient;
  identity: BromIdentity;
  storage: StorageInfo;
  /** INIT_EXT_RAM ran with the package's EMI block and the DA trained DRAM with it */
  dramCheckedWithPackage: boolean;
}

/** The check codes a flash session refuses a phone with, once it has seen the phone (they appear in `explain`). */
export const SESSION_REFUSALS = [
  'device.chip-mismatch',
  'device.storage-mismatch',
  'security.auth-needed',
  'security.da-signature',
  'preloader.emi-no-match',
  'preloader.emi-undecided',
] as const;

function refused(
  code: (typeof SESSION_REFUSALS)[number],
  message: string,
  hint: string,
  where?: string,
): RomctlError {
  return new RomctlError(`${code}: ${message}`, { exitCode: ExitCode.refused, where, hint });
}

/** the DA steps that set up DRAM with the package's EMI records (XFlash, legacy) */
const DRAM_STEPS = ['INIT_EXT_RAM', 'ENABLE_DRAM'];

export async function openFlashSession(options: SessionOptions): Promise<FlashSession> {
  const { transport, expect } = options;
  const brom = new BromClient(transport, options.timeoutMs);
  await brom.handshake();
  const identity = await brom.identify();
  const chipName = identity.chip?.names[0] ?? `hw code 0x${identity.hwCode.toString(16)}`;
  if (expect.hwCode !== undefined && identity.hwCode !== expect.hwCode) {
    throw refused(
      'device.chip-mismatch',
      `the connected phone is an ${chipName}, ${expect.device} is an ${expect.chip ?? `hw code 0x${expect.hwCode.toString(16)}`}`,
      'this is another phone than --device names: check the codename; nothing was written',
      transport.description,
    );
  }
  if (!identity.chip) {
    throw new RomctlError(`unknown chip (hw code 0x${identity.hwCode.toString(16)})`, {
      exitCode: ExitCode.device,
      where: transport.description,
      hint: 'romctl does not know this chip; nothing was written',
    });
  }
  if (identity.targetConfig.sla || identity.targetConfig.daa) {
    throw refused(
      'security.auth-needed',
      `the ${chipName} has ${identity.targetConfig.sla ? 'SLA' : 'DAA'} on: the BROM accepts a DA only after ` +
        'authentication',
      'a signed DA and the auth file for this phone are needed, which romctl does not handle yet; nothing was written',
      transport.description,
    );
  }
  const entry = pickDaEntry(
    parseDaContainer(options.daFile, { fileName: options.daFileName }),
    { ...identity, daCode: identity.chip.daCode, name: chipName },
    options.daFileName,
  );
  const { da1, da2 } = daStages(options.daFile, entry);
  if (identity.targetConfig.sbc && da1.signatureLength === 0) {
    throw refused(
      'security.da-signature',
      `the ${chipName} has secure boot on and this DA is unsigned: the BROM would refuse it`,
      "use the vendor's signed DA for this phone (--da); nothing was written",
      transport.description,
    );
  }
  await brom.sendDa(da1.loadAddress, da1.bytes, da1.signatureLength);
  await brom.jumpDa(da1.loadAddress);
  const bringUp = {
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    emiBlock: options.emiBlock ?? new Uint8Array(0),
    da2,
    checkMemory: async (info: MemoryIdentity) => {
      const known = (expect.storage ?? []).map((s) => s.toLowerCase());
      if (known.length > 0 && !known.includes(info.kind)) {
        throw refused(
          'device.storage-mismatch',
          `the connected phone has ${info.kind.toUpperCase()} storage, ${expect.device} has ${known.join('/').toUpperCase()}`,
          'this is another phone (or variant) than --device names; nothing was written',
          transport.description,
        );
      }
      await options.checkMemory?.(info);
    },
  };
  // the DA entry's own protocol (generated DAs say it), else the chip's DA generation
  const legacy = (readSimDaIdentity(da1.bytes)?.protocol ?? identity.chip.daProtocol) === 'legacy';
  const started: Promise<DaClient> = legacy
    ? LegacyDaClient.bringUp(transport, {
        ...bringUp,
        daCode: entry.hwCode,
        versions: { brom: identity.bromVersion ?? 0xff, bootloader: identity.preloaderVersion ?? 0xfe },
      })
    : XFlashClient.bringUp(transport, bringUp);
  const client = await started.catch((error: unknown) => {
    if (!(error instanceof DaStatusError && DRAM_STEPS.some((step) => error.step.startsWith(step))))
      throw error;
    if (!options.emiBlock) {
      throw new RomctlError(
        'the phone is in BROM mode and there is no preloader EMI block to set up its DRAM',
        {
          exitCode: ExitCode.badInput,
          where: transport.description,
          hint: 'boot the phone into preloader mode (plug it in switched off, no buttons), or give --preloader FILE',
        },
      );
    }
    throw refused(
      'preloader.emi-no-match',
      "the phone's DA could not start its DRAM with the package preloader's EMI settings: this preloader " +
        'would brick this phone',
      'use the package made for this exact phone variant; nothing was written',
      transport.description,
    );
  });
  return {
    client,
    identity,
    storage: await client.storageInfo(),
    dramCheckedWithPackage: client.needsDramInit && options.emiBlock !== null,
  };
}
