/**
 * Host side of the legacy (V3) DA protocol, reference §4.3, for MT65xx-era phones (MT6589, MT6735/37/53, MT6580 …).
 * Bring-up (`bringUp`): DA1 sync and storage ids → stage-2 configuration → the caller's memory check on the device
 * id the DA reports → ENABLE_DRAM with the package preloader's EMI records → DA2 upload → flash info.
 * Where the reference leaves a byte open, the choice is written next to it and the simulated DA
 * (`src/sim/da-legacy.ts`) mirrors it: a refusal is NACK (0xA5) followed by a u32 little-endian error code, as the
 * reference documents for READ.
 */
import { ExitCode, RomctlError } from '../../errors.js';
import { DEFAULT_READ_TIMEOUT_MS, type Transport } from '../transport/types.js';
import {
  type Da2Image,
  type DaClient,
  type MemoryIdentity,
  type ProgressFn,
  readAllWith,
  readGptWith,
  requireSectorAligned,
  roundUpToSector,
  sha256With,
  type SparseWriteOptions,
  writeSparseWith,
} from './client.js';
import { DaStatusError } from './da-status.js';
import type { GptTable } from './gpt.js';
import {
  legacyEmiOf,
  readLegacyFlashInfo,
  receiveEmiAnswer,
  resolveDeviceId,
  sendEmiRecords,
} from './legacy-dram.js';
import { LegacyLink } from './legacy-link.js';
import {
  Byte,
  DA2_PACKET_SIZE,
  DA_STORAGE_EMMC,
  EmmcPart,
  encodeStage2Config,
  HOST_OS_LINUX,
  HW_STORAGE_EMMC,
  LegacyCmd,
  Marker,
  PACKET_SIZE,
  SECTOR,
  concat,
  u16be,
  u32be,
  u64be,
  u8,
} from './legacy-protocol.js';
import { packets, sum16 } from './packets.js';
import type { Section, StorageInfo } from './xflash-info.js';
import { protocolError } from './xflash-link.js';

export interface LegacyOptions {
  /** wait for one reply; default 5 s */
  timeoutMs?: number;
  /** DRAM training, a written packet, an erase step; default 60 s */
  longTimeoutMs?: number;
  /** the BROM client already read DA1's 0xC0 sync byte after JUMP_DA */
  syncByteConsumed?: boolean;
}

export interface LegacyBringUp extends LegacyOptions {
  /** the chip's DA code: the stage-2 configuration has chip-specific extras */
  daCode: number;
  /** BROM (0xFF) and bootloader (0xFE) version bytes; 0xFF/0xFE when not known */
  versions?: { brom: number; bootloader: number };
  /** the package preloader's MTK_BLOADER_INFO block; its records are sent when the DA asks for DRAM setup */
  emiBlock: Uint8Array;
  da2: Da2Image;
  /** sees the device id before DRAM setup; throws to stop before anything reaches the phone's memory */
  checkMemory: (memory: MemoryIdentity) => void | Promise<void>;
}

/** NAND ids come as a u16 count and u16s; a count this large is garbage */
const MAX_NAND_IDS = 64;

export class LegacyDaClient implements DaClient {
  private storage: StorageInfo | null = null;

  private constructor(
    private readonly link: LegacyLink,
    private readonly longTimeoutMs: number,
    readonly needsDramInit: boolean,
  ) {}

  get where(): string {
    return this.link.where;
  }

  static async bringUp(transport: Transport, options: LegacyBringUp): Promise<LegacyDaClient> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
    const longTimeoutMs = options.longTimeoutMs ?? 60_000;
    const link = new LegacyLink(transport, timeoutMs, `legacy DA on ${transport.description}`);
    if (!options.syncByteConsumed) await link.expect(Byte.SYNC, 'DA1 sync');
    await link.u32(); // NAND info (0xBC4: no NAND)
    await readNandIds(link);
    const emmcStatus = await link.u32();
    // the CID as 4 words, raw or word-reversed depending on the DA (resolveDeviceId settles it)
    const cid = Buffer.from(await link.read(16)).toString('hex');
    await link.writeByte(Byte.ACK);
    await link.read(3); // content not documented; ignored
    await link.write(
      encodeStage2Config(options.daCode, options.versions ?? { brom: 0xff, bootloader: 0xfe }),
    );
    const result = await link.u32(longTimeoutMs);
    let deviceId = cid;
    if (result === 0) {
      if (options.daCode === 0x6592) await link.read(5 * 4);
    } else if (result === Marker.DRAM_NEEDED) {
      await link.read(4);
      deviceId = Buffer.from(await link.read(16)).toString('hex');
      const marker = await link.u32();
      if (marker !== Marker.NAND_INFO)
        throw protocolError(`DRAM step sent 0x${marker.toString(16)} instead of 0xBC4`, link.where);
      await readNandIds(link);
    } else {
      throw new DaStatusError(result, 'the stage-2 configuration', link.where);
    }
    if (emmcStatus !== 0) {
      throw new RomctlError('the DA found no eMMC storage', {
        exitCode: ExitCode.device,
        where: link.where,
        hint: 'NAND/NOR phones are not supported; otherwise the storage is not responding (hardware fault)',
      });
    }
    const emi = legacyEmiOf(options.emiBlock);
    const device = resolveDeviceId(deviceId, emi);
    await options.checkMemory({ kind: 'emmc', id: device.id });
    if (result === Marker.DRAM_NEEDED) {
      const version = await sendEmiRecords(link, emi, options.daCode, device.recordIndex);
      await receiveEmiAnswer(link, version, longTimeoutMs);
    }
    await sendDa2(link, options.da2, longTimeoutMs);
    const client = new LegacyDaClient(link, longTimeoutMs, result === Marker.DRAM_NEEDED);
    const emmc = await readLegacyFlashInfo(link, options.daCode);
    if (emmc.ret !== 0) throw protocolError('DA2 reports no eMMC after DA1 found one', link.where);
    client.storage = {
      kind: 'emmc',
      blockSize: SECTOR,
      boot1Size: emmc.boot1Size,
      boot2Size: emmc.boot2Size,
      rpmbSize: emmc.rpmbSize,
      userSize: emmc.userSize,
      id: emmc.cid,
      firmwareVersion: emmc.firmwareVersion,
    };
    return client;
  }

  storageInfo(): Promise<StorageInfo> {
    if (!this.storage) throw new RomctlError('no storage info before DA2', { exitCode: ExitCode.internal });
    return Promise.resolve(this.storage);
  }

  /** GPT from the user area; PMT-only phones (no GPT) give null */
  async partitionTable(): Promise<GptTable | null> {
    return readGptWith(this, SECTOR);
  }

  /**
   * SDMMC_WRITE_DATA: → 62, u8 storage, u8 part, u64 address, u64 length, u32 packet size; ← ACK; per packet
   * → ACK, → data (zero-padded to 512 bytes), → u16 sum; ← CONT.
   */
  async write(
    section: Section,
    address: bigint,
    data: Uint8Array | AsyncIterable<Uint8Array>,
    length: bigint,
    onProgress?: ProgressFn,
  ): Promise<void> {
    const where = `${this.where}, ${section} @ 0x${address.toString(16)}`;
    requireSectorAligned(address, where);
    if (length === 0n) return;
    const padded = roundUpToSector(length);
    const part = EmmcPart[section];
    await this.link.write(
      concat(
        u8(LegacyCmd.SDMMC_WRITE_DATA),
        u8(DA_STORAGE_EMMC),
        u8(part),
        u64be(address),
        u64be(padded),
        u32be(PACKET_SIZE),
      ),
    );
    await this.expectAck('SDMMC_WRITE_DATA');
    let done = 0n;
    for await (const packet of packets(data, length, PACKET_SIZE, where)) {
      const body =
        packet.length % SECTOR === 0 ? packet : padTo(packet, Number(roundUpToSector(BigInt(packet.length))));
      await this.link.write(concat(u8(Byte.ACK), body, u16be(sum16(body))));
      await this.expectAck(
        `SDMMC_WRITE_DATA packet at +0x${done.toString(16)}`,
        Byte.CONT,
        this.longTimeoutMs,
      );
      done += BigInt(packet.length);
      onProgress?.({ done, total: length });
    }
  }

  writeSparse(
    section: Section,
    address: bigint,
    source: AsyncIterable<Uint8Array>,
    options: SparseWriteOptions = {},
  ): Promise<bigint> {
    return writeSparseWith(this, section, address, source, options);
  }

  /**
   * READ after SDMMC_SWITCH_PART: → D6, u8 host OS, u8 HW storage, u64 address, u64 length, u32 packet size;
   * ← ACK; per packet ← data, ← u16 sum, → ACK.
   */
  async *read(
    section: Section,
    address: bigint,
    length: bigint,
    onProgress?: ProgressFn,
  ): AsyncGenerator<Uint8Array> {
    if (length === 0n) return;
    await this.switchPart(section);
    await this.link.write(
      concat(
        u8(LegacyCmd.READ),
        u8(HOST_OS_LINUX),
        u8(HW_STORAGE_EMMC),
        u64be(address),
        u64be(length),
        u32be(PACKET_SIZE),
      ),
    );
    await this.expectAck('READ');
    let done = 0n;
    while (done < length) {
      const left = length - done;
      const size = left < BigInt(PACKET_SIZE) ? Number(left) : PACKET_SIZE;
      const data = await this.link.read(size, this.longTimeoutMs);
      const checksum = await this.link.u16();
      if (checksum !== sum16(data))
        throw protocolError(`READ packet at +0x${done.toString(16)} fails its 16-bit checksum`, this.where);
      await this.link.writeByte(Byte.ACK);
      done += BigInt(size);
      onProgress?.({ done, total: length });
      yield data;
    }
  }

  readAll(section: Section, address: bigint, length: bigint): Promise<Uint8Array> {
    return readAllWith(this, section, address, length);
  }

  sha256(section: Section, address: bigint, length: bigint, onProgress?: ProgressFn): Promise<string> {
    return sha256With(this, section, address, length, onProgress);
  }

  /**
   * FORMAT after SDMMC_SWITCH_PART: → D4, u8 HW storage, u8 erase flag, u8 validation, u8 address type, u64
   * address, u64 length; then per progress report ← ACK, ← ACK, ← u32, ← u8 percent, → ACK, until 100 %, which
   * the DA closes with ← ACK, ← ACK (reference §4.3; mtkclient `formatflash`, which also leaves the u32 unread).
   */
  async format(section: Section, address: bigint, length: bigint, onProgress?: ProgressFn): Promise<void> {
    await this.switchPart(section);
    await this.link.write(
      concat(u8(LegacyCmd.FORMAT), u8(HW_STORAGE_EMMC), u8(0), u8(0), u8(0), u64be(address), u64be(length)),
    );
    for (let percent = 0; percent !== 100;) {
      await this.expectAck('FORMAT', Byte.ACK, this.longTimeoutMs);
      await this.link.expect(Byte.ACK, 'FORMAT progress');
      await this.link.u32();
      percent = await this.link.u8();
      await this.link.writeByte(Byte.ACK);
      if (percent > 100) throw protocolError(`FORMAT progress ${percent} %`, this.where);
      onProgress?.({ done: (length * BigInt(percent)) / 100n, total: length });
    }
    await this.link.expect(Byte.ACK, 'FORMAT (completion)');
    await this.link.expect(Byte.ACK, 'FORMAT (completion)');
  }

  /** FINISH: → D9, ← ACK, → u32 mode, ← ACK. Mode numbers are our choice: 0 normal, 1 home, 2 fastboot. */
  async shutdown(bootMode: 'normal' | 'home' | 'fastboot' = 'normal'): Promise<void> {
    await this.link.writeByte(LegacyCmd.FINISH);
    await this.link.expect(Byte.ACK, 'FINISH');
    await this.link.write(u32be({ normal: 0, home: 1, fastboot: 2 }[bootMode]));
    await this.link.expect(Byte.ACK, 'FINISH');
  }

  /** SDMMC_SWITCH_PART: → 60, ← ACK, → u8 part, ← ACK */
  private async switchPart(section: Section): Promise<void> {
    await this.link.writeByte(LegacyCmd.SDMMC_SWITCH_PART);
    await this.link.expect(Byte.ACK, 'SDMMC_SWITCH_PART');
    await this.link.writeByte(EmmcPart[section]);
    await this.expectAck(`SDMMC_SWITCH_PART ${section}`);
  }

  private expectAck(step: string, expected: number = Byte.ACK, timeoutMs?: number): Promise<void> {
    return this.link.expectOrRefusal(step, expected, timeoutMs);
  }
}

async function readNandIds(link: LegacyLink): Promise<void> {
  const count = await link.u16();
  if (count > MAX_NAND_IDS) throw protocolError(`the DA reports ${count} NAND ids`, link.where);
  if (count > 0) await link.read(count * 2);
}

/** brom_send: → u32 address, u32 size, u32 packet size; ← ACK; per packet → data, ← ACK; → ACK, ← ACK */
async function sendDa2(link: LegacyLink, da2: Da2Image, longTimeoutMs: number): Promise<void> {
  await link.write(concat(u32be(da2.loadAddress), u32be(da2.bytes.length), u32be(DA2_PACKET_SIZE)));
  await link.expectOrRefusal('DA2 upload');
  for (let at = 0; at < da2.bytes.length; at += DA2_PACKET_SIZE) {
    await link.write(da2.bytes.subarray(at, at + DA2_PACKET_SIZE));
    await link.expectOrRefusal(`DA2 upload at +0x${at.toString(16)}`);
  }
  await link.writeByte(Byte.ACK);
  await link.expectOrRefusal('DA2 upload (start)', Byte.ACK, longTimeoutMs);
}

function padTo(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  out.set(bytes);
  return out;
}
