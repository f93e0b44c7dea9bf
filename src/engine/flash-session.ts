/**
 * Connecting for a flash or a backup: BROM/preloader handshake and identification, the chip check, DA1 upload,
 * then the bring-up of the protocol the DA entry speaks (XFlash, XML/V6 or legacy) with the memory check. Everything here happens before a single byte is written; a
 * phone that is not the expected one is refused (exit 1) with the same finding codes `romctl check` uses.
 */
import { ExitCode, RomctlError } from '../errors.js';
import type { KeyObject } from 'node:crypto';
import { BromClient, BromStatusError, type BromIdentity } from './brom.js';
import { slaResponse } from './sla.js';
import type { DaClient, MemoryIdentity } from './da/client.js';
import { DaStatusError } from './da/da-status.js';
import { daStages, entryProtocol, parseDaContainer, pickDaEntry } from './da/container.js';
import type { DaProtocol } from '../knowledge/chips.js';
import { LegacyDaClient } from './da/legacy.js';
import { XML_INIT_HW_STEP, XML_SLA_STEP, XmlDaClient, XmlDaError } from './da/xml.js';
import { XmlLink } from './da/xml-link.js';
import type { StorageInfo } from './da/xflash-info.js';
import { DA_SLA_STEP, XFlashClient } from './da/xflash.js';
import { DEFAULT_READ_TIMEOUT_MS, TransportError, type Transport } from './transport/types.js';
import { DA_SYNC_BYTE } from './da/xflash-protocol.js';
import { inStep } from './step.js';

export interface SessionExpectations {
  /** the profile's name, for messages */
  device: string;
  /** BROM hw code the profile's chip reports (nikel: 0x279) */
  hwCode?: number;
  chip?: string;
  /** storage kinds the profile knows (`EMMC`, `UFS`) */
  storage?: readonly string[];
}

/** a secure-boot phone's way in (reference §2.3): the DAA auth file and the SLA key */
export interface Credentials {
  auth?: Uint8Array | null;
  slaKey?: KeyObject | null;
}

export interface SessionOptions extends Credentials {
  transport: Transport;
  daFile: Uint8Array;
  daFileName?: string;
  /**
   * the package preloader's MTK_BLOADER_INFO block: needed when the boot ROM (not a preloader) loads an XFlash or
   * legacy DA; given as a function it is taken only then (V6 DAs set up DRAM themselves)
   */
  emiBlock: Uint8Array | null | (() => Uint8Array);
  expect: SessionExpectations;
  /**
   * A phone whose DA comes up on a new port (BROM or preloader port → DA port 0e8d:2001, re-enumerated): when the
   * link closes right after JUMP_DA, this finds and opens the new port, and the bring-up goes on there.
   */
  reconnect?: () => Promise<Transport>;
  /** the port is a preloader port (0e8d:2000): the handshake starts with one lone 0xA0, as mtkclient does */
  preloaderPort?: boolean;
  /** sees who the phone is as soon as the boot ROM said it (a read-only probe keeps it when the DA cannot start) */
  onIdentified?: (identity: BromIdentity) => void;
  /** runs on the memory id the DA reports before DRAM setup; throws to stop */
  checkMemory?: (info: MemoryIdentity) => void | Promise<void>;
  timeoutMs?: number;
  /** for the DA's slow answers (a written packet, DRAM training, erase); default 60 s */
  longTimeoutMs?: number;
}

export interface FlashSession {
  client: DaClient;
  /** the link the DA speaks on: the one given, or the port it re-enumerated as */
  transport: Transport;
  identity: BromIdentity;
  storage: StorageInfo;
  /** INIT_EXT_RAM ran with the package's EMI block and the DA trained DRAM with it */
  dramCheckedWithPackage: boolean;
}

/** The check codes a flash session refuses a phone with, once it has seen the phone (they appear in `explain`). */
export const SESSION_REFUSALS = [
  'da.protocol-unsupported',
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

/** a DA entry for a DA code romctl's chip table does not know: its protocol is unknown, so nothing is sent */
function unknownProtocol(subject: string, where: string | undefined): RomctlError {
  return refused(
    'da.protocol-unsupported',
    `${subject} is not in romctl's chip table, so its DA protocol is unknown`,
    'use SP Flash Tool or mtkclient for this phone until romctl knows its chip; nothing was sent to the phone',
    where,
  );
}

/**
 * The vendor's way into a secure-boot phone (reference §2.3, §2.8): the DAA auth file (SEND_AUTH) and the answer
 * to the SLA challenge, before SEND_DA. Without what the phone needs, or when it refuses what was given, the flash
 * is refused with nothing sent.
 */
async function authenticate(
  brom: BromClient,
  identity: BromIdentity,
  options: SessionOptions,
  chipName: string,
): Promise<void> {
  const where = options.transport.description;
  const { sla, daa } = identity.targetConfig;
  const missing = [
    daa && !options.auth ? 'DAA: its auth file (--auth FILE)' : null,
    sla && !options.slaKey ? 'SLA: the vendor key that answers its challenge (--sla-key FILE)' : null,
  ].filter((m): m is string => m !== null);
  if (missing.length > 0) {
    throw refused(
      'security.auth-needed',
      `the ${chipName} has ${[daa ? 'DAA' : null, sla ? 'SLA' : null].filter(Boolean).join(' and ')} on: the boot ROM takes a DA only after authentication`,
      `give ${missing.join('; ')} — from the phone's vendor or service centre; nothing was written`,
      where,
    );
  }
  try {
    if (daa && options.auth) await brom.sendAuth(options.auth);
    const key = options.slaKey;
    if (sla && key) await brom.answerSla((challenge) => slaResponse(challenge, key));
  } catch (error) {
    if (!(error instanceof BromStatusError)) throw error;
    throw refused(
      'security.auth-needed',
      `the ${chipName} refused the ${error.command === 'SLA' ? 'SLA key' : 'auth file'} (${error.message})`,
      `this ${error.command === 'SLA' ? 'key' : 'auth file'} is not the one this phone's root key trusts: use the vendor's for this exact model; nothing was written`,
      where,
    );
  }
}

/**
 * DA1's first word after JUMP_DA — XFlash/legacy: the raw byte 0xC0; XML: the CMD:START document — on the same
 * link or, when the phone re-enumerated, on its new DA port.
 */
async function awaitDaStart(
  transport: Transport,
  options: SessionOptions,
  protocol: DaProtocol,
): Promise<Transport> {
  const first = async (link: Transport) => {
    if (protocol === 'xml') {
      await XmlDaClient.awaitStart(
        new XmlLink(link, options.timeoutMs ?? DEFAULT_READ_TIMEOUT_MS, link.description),
      );
      return;
    }
    const byte = (await link.read(1, options.timeoutMs))[0] as number;
    if (byte !== DA_SYNC_BYTE) {
      throw new RomctlError(`DA1 sent 0x${byte.toString(16)} instead of its 0xC0 sync byte`, {
        exitCode: ExitCode.device,
        where: link.description,
        hint: 'the DA did not start: unplug the phone, plug it in again in BROM or preloader mode and retry',
      });
    }
  };
  try {
    await first(transport);
    return transport;
  } catch (error) {
    if (!(error instanceof TransportError && error.failure === 'closed' && options.reconnect)) throw error;
    const link = await options.reconnect();
    await first(link);
    return link;
  }
}

export function openFlashSession(options: SessionOptions): Promise<FlashSession> {
  return inStep('connecting (BROM handshake, DA upload, storage)', () => connect(options));
}

async function connect(options: SessionOptions): Promise<FlashSession> {
  const { transport, expect } = options;
  const container = parseDaContainer(options.daFile, { fileName: options.daFileName });
  // taken before the phone is touched: a preloader without a usable EMI block is refused up front
  const emiBlock =
    typeof options.emiBlock === 'function' ? (container.v6 ? null : options.emiBlock()) : options.emiBlock;
  const brom = new BromClient(transport, options.timeoutMs);
  await brom.handshake({ preloaderPort: options.preloaderPort === true });
  const identity = await brom.identify();
  options.onIdentified?.(identity);
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
  await authenticate(brom, identity, options, chipName);
  const entry = pickDaEntry(
    container,
    { ...identity, daCode: identity.chip.daCode, name: chipName },
    options.daFileName,
  );
  const protocol = entryProtocol(container, entry);
  if (protocol === 'unknown') throw unknownProtocol(`the DA entry for the ${chipName}`, options.daFileName);
  const { da1, da2 } = daStages(options.daFile, entry, protocol);
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
  const daLink = await awaitDaStart(transport, options, protocol);
  const bringUp = {
    syncByteConsumed: true,
    startConsumed: true,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.longTimeoutMs === undefined ? {} : { longTimeoutMs: options.longTimeoutMs }),
    emiBlock: emiBlock ?? new Uint8Array(0),
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
  const started: Promise<DaClient> =
    protocol === 'legacy'
      ? LegacyDaClient.bringUp(daLink, {
          ...bringUp,
          daCode: entry.hwCode,
          versions: { brom: identity.bromVersion ?? 0xff, bootloader: identity.preloaderVersion ?? 0xfe },
        })
      : protocol === 'xml'
        ? XmlDaClient.bringUp(daLink, { ...bringUp, slaKey: options.slaKey ?? null })
        : XFlashClient.bringUp(daLink, { ...bringUp, daCode: entry.hwCode, slaKey: options.slaKey ?? null });
  const client = await started.catch((error: unknown) => {
    if (error instanceof XmlDaError && error.step === XML_INIT_HW_STEP && identity.mode === 'brom') {
      throw new RomctlError(
        `the ${chipName}'s V6 DA could not set up its DRAM and storage from BROM mode (${error.message})`,
        {
          exitCode: ExitCode.device,
          where: transport.description,
          hint:
            'romctl does not upload EMI settings to V6 DAs (no public source documents how): boot the phone ' +
            'into preloader mode (plug it in switched off, no buttons) and retry; nothing was written',
        },
      );
    }
    const slaRefused =
      (error instanceof DaStatusError && error.step === DA_SLA_STEP) ||
      (error instanceof XmlDaError && error.step === XML_SLA_STEP);
    if (slaRefused) {
      throw refused(
        'security.auth-needed',
        `the ${chipName}'s DA has SLA on and ${options.slaKey ? 'refused the SLA key' : 'no SLA key was given'} (${error.message})`,
        options.slaKey
          ? "this key is not the one this phone's DA trusts: use the vendor's for this exact model; nothing was written"
          : 'give the vendor SLA key with --sla-key FILE; nothing was written',
        transport.description,
      );
    }
    if (!(error instanceof DaStatusError && DRAM_STEPS.some((step) => error.step.startsWith(step))))
      throw error;
    if (!emiBlock) {
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
    transport: daLink,
    identity,
    storage: await client.storageInfo(),
    dramCheckedWithPackage: client.needsDramInit && emiBlock !== null,
  };
}
