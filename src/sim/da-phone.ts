/**
 * What the simulated DA needs from the simulated phone, kept narrow so the DA server depends on facts, not on how
 * the phone model stores them; `daPhoneOf` reads them from a SimPhone.
 */
import { constants, privateDecrypt } from 'node:crypto';
import type { Section, StorageKind } from '../engine/da/xflash-info.js';
import type { MemorySpec } from '../formats/preloader/index.js';
import type { Transport } from '../engine/transport/types.js';
import { readSimDaIdentity, type SimDaIdentity, type SimDaProtocol } from '../engine/da/container-build.js';
import type { SimPhone } from './phone.js';
import { storageBlockSize } from './profiles.js';

export interface DaStorage {
  readonly kind: StorageKind;
  /** 512 on eMMC, 4096 on UFS */
  readonly blockSize: number;
  /** eMMC CID / UFS id as hex */
  readonly id: string;
  readonly firmwareVersion: string;
  size(section: Section): number;
  read(section: Section, offset: bigint, length: number): Promise<Uint8Array>;
  write(section: Section, offset: bigint, bytes: Uint8Array): Promise<void>;
  erase(section: Section, offset: bigint, length: bigint): Promise<void>;
}

/**
 * Test-only faults: `corruptWrite` sees every packet the DA is about to store and returns what it stores;
 * `hangOnWrite` true makes the DA stop answering at that packet (a hung phone) until the host hangs up.
 */
export interface SimDaFaults {
  corruptWrite?: (write: { section: Section; address: bigint; data: Uint8Array }) => Uint8Array;
  hangOnWrite?: (write: { section: Section; address: bigint }) => boolean;
}

export interface DaPhone {
  /** the code generated DA entries carry, e.g. 0x6797 for hw code 0x279 */
  readonly daCode: number;
  readonly chip: { hwCode: number; hwSubCode: number; hwVersion: number; swVersion: number };
  /** the memory the DA trains DRAM for: storage id, DRAM type, MR5, rank sizes */
  readonly memory: MemorySpec;
  /** 'preloader' when a preloader (DRAM already up) loaded the DA */
  readonly connectionAgent: 'brom' | 'preloader';
  /** GET_TARGET_CONFIG word: SLA on the BROM means SLA in the DA too */
  readonly targetConfig: number;
  /** the DRAM the DA reports once it is trained */
  readonly dramBytes: bigint;
  /** DA-level SLA on: the private key that opens the host's answer */
  readonly daSlaKey: string | null;
  /** the ME id (hardware id) and SoC id (empty where the chip has none), as XML DAs report them for SLA */
  readonly meId: Uint8Array;
  readonly socId: Uint8Array;
  readonly storage: DaStorage;
}

export function daPhoneOf(phone: SimPhone): DaPhone {
  const { profile } = phone;
  const kind = profile.storage.kind;
  const storage = phone.storage;
  return {
    daCode: profile.chip.daCode,
    chip: {
      hwCode: profile.chip.hwCode,
      hwSubCode: profile.hwSubCode,
      hwVersion: profile.hwVersion,
      swVersion: profile.swVersion,
    },
    memory: phone.memory,
    connectionAgent: phone.lastBoot.mode === 'preloader' ? 'preloader' : 'brom',
    targetConfig: profile.targetConfig,
    dramBytes: profile.dram.rankSizes.reduce((sum, size) => sum + size, 0n),
    daSlaKey: profile.security?.daSlaPrivateKey ?? null,
    meId: profile.meId,
    socId: profile.socId ?? new Uint8Array(0),
    storage: {
      kind,
      blockSize: storageBlockSize(kind),
      id: profile.storage.id,
      firmwareVersion: kind === 'emmc' ? '0100000000000000' : '30313030',
      size: (section) => storage.size(section),
      read: (section, offset, length) => storage.read(section, offset, length),
      write: (section, offset, bytes) => storage.write(section, offset, bytes),
      erase: (section, offset, length) => storage.erase(section, offset, length),
    },
  };
}

/** What a simulated DA is started with after JUMP_DA. */
export interface SimDaSession {
  transport: Transport;
  phone: DaPhone;
  /** exactly what SEND_DA received */
  daImage: Uint8Array;
  /** where JUMP_DA started it; left out, the load address is not checked */
  address?: number;
  faults?: SimDaFaults;
}

/** DA-level SLA: the answer must be the DA's random bytes, RSA-OAEP (SHA-256) encrypted for the key it holds */
export function opensDaSla(phone: DaPhone, challenge: Uint8Array, answer: Uint8Array): boolean {
  if (!phone.daSlaKey) return false;
  try {
    const opened = privateDecrypt(
      { key: phone.daSlaKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      answer,
    );
    return opened.equals(challenge);
  } catch {
    return false;
  }
}

/**
 * The uploaded DA as the simulated phone sees it: a generated stage-1 DA of `protocol` made for this chip and, when
 * the jump address is given, started where it is linked to run — or null (anything else is code the phone cannot
 * run, or a DA1 jumped into at the wrong place, and a real phone then never answers).
 */
export function runnableDa(
  daImage: Uint8Array,
  phone: DaPhone,
  protocol: SimDaProtocol,
  jumpAddress?: number,
): SimDaIdentity | null {
  const identity = readSimDaIdentity(daImage);
  const runs =
    identity !== null &&
    identity.stage === 1 &&
    identity.protocol === protocol &&
    identity.hwCode === phone.daCode &&
    (jumpAddress === undefined || identity.loadAddress === jumpAddress);
  return runs ? identity : null;
}
