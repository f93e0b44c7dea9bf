import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TransportError, type Transport } from '../engine/transport/types.js';
import type { MemorySpec } from '../formats/preloader/index.js';
import { decideBoot, type BootDecision } from './boot.js';
import { writeFactoryImage } from './factory.js';
import { serveBrom } from './brom-server.js';
import { memoryOf, type SimProfile } from './profiles.js';
import { SimStorage } from './storage.js';

export type SimMode = 'brom' | 'preloader' | 'da';

/**
 * Runs a Download Agent on the simulated phone after JUMP_DA: it owns `transport` until it returns (a reboot or
 * shutdown command, or the link closing). `daImage` is exactly what SEND_DA received (body + signature),
 * `address` the load/jump address. When it returns, the phone boots again (`reboot()`) and, if the link is still
 * up, answers as BROM or preloader on the same transport.
 */
export type DaServer = (session: {
  transport: Transport;
  phone: SimPhone;
  daImage: Uint8Array;
  address: number;
}) => Promise<void>;

export interface DaUpload {
  address: number;
  /** bytes announced, signature included */
  length: number;
  signatureLength: number;
  /** the BROM's answer (0 = accepted) */
  status: number;
}

export interface SimPhoneOptions {
  profile: SimProfile;
  /**
   * the phone re-enumerates when its DA starts: the old link is dropped and the DA speaks on the link this returns
   * (a new DA port, 0e8d:2001), as phones whose DA brings up its own USB stack do
   */
  reenumerate?: () => Promise<Transport>;
  /** backing file of the flash; a temporary file (deleted on close) when left out */
  storagePath?: string;
  daServer?: DaServer;
}

/** USB product ids under vendor 0e8d (reference §1.1) */
export const USB_PRODUCT: Record<SimMode, number> = { brom: 0x0003, preloader: 0x2000, da: 0x2001 };

/**
 * A simulated MediaTek phone: identity (hw code, versions, target config, ME/SoC id), memory (eMMC/UFS id, DRAM),
 * flash in a sparse file, and the mode its last boot left it in. `serve()` speaks the BROM/preloader protocol on
 * a transport and hands over to the registered DA server after JUMP_DA.
 */
export class SimPhone {
  mode: SimMode = 'brom';
  lastBoot: BootDecision = { mode: 'brom', reason: 'not booted yet' };
  daServer: DaServer | null;
  /** registers written with WRITE16/WRITE32 (the watchdog key lands here), read back by READ16/READ32 */
  readonly registers = new Map<number, number>();
  /** every SEND_DA the boot ROM was asked for, as it decoded the request: what reached the phone */
  readonly uploads: DaUpload[] = [];
  private link: Transport | null = null;

  private reenumerate: (() => Promise<Transport>) | null = null;

  private constructor(
    readonly profile: SimProfile,
    readonly storage: SimStorage,
    daServer: DaServer | undefined,
    /** holds the storage file when none was given; removed on close */
    private readonly tempDir: string | null,
  ) {
    this.daServer = daServer ?? null;
  }

  static async create(options: SimPhoneOptions): Promise<SimPhone> {
    const tempDir = options.storagePath === undefined ? await mkdtemp(join(tmpdir(), 'romctl-sim-')) : null;
    const path = options.storagePath ?? join(tempDir as string, 'storage.img');
    const fresh = await access(path).then(
      () => false,
      () => true,
    );
    const storage = await SimStorage.open(path, options.profile.storage.layout);
    if (fresh) await writeFactoryImage(options.profile, storage);
    const phone = new SimPhone(options.profile, storage, options.daServer, tempDir);
    phone.reenumerate = options.reenumerate ?? null;
    await phone.reboot();
    return phone;
  }

  get usbId(): { vendorId: number; productId: number } {
    return { vendorId: 0x0e8d, productId: USB_PRODUCT[this.mode] };
  }

  get memory(): MemorySpec {
    return memoryOf(this.profile);
  }

  /** power-cycles: the boot ROM decides again from what boot1 holds now (or BROM when the download key is held) */
  async reboot(options: { holdDownloadKey?: boolean } = {}): Promise<BootDecision> {
    this.registers.clear();
    this.lastBoot = await decideBoot(this.profile, this.storage, options);
    this.mode = this.lastBoot.mode;
    return this.lastBoot;
  }

  /**
   * Answers on `transport` until it closes: BROM/preloader commands, then after JUMP_DA the DA server; after a DA
   * session the phone reboots and goes on answering. Without a DA server it stays silent after JUMP_DA.
   */
  async serve(transport: Transport): Promise<void> {
    this.link = transport;
    try {
      while (!transport.closed) {
        const jump = await serveBrom(this, transport);
        if (!jump) return;
        this.mode = 'da';
        if (!this.daServer) return await drainUntilClosed(transport);
        const daLink = this.reenumerate ? await this.moveToDaPort(transport) : transport;
        await this.daServer({ transport: daLink, phone: this, daImage: jump.daImage, address: jump.address });
        await this.reboot();
        if (daLink !== transport) return;
      }
    } catch (error) {
      if (!(error instanceof TransportError && error.failure === 'closed')) throw error;
    } finally {
      this.link = null;
    }
  }

  /** USB re-enumeration: the BROM/preloader port goes away, the DA's own port comes up */
  private async moveToDaPort(transport: Transport): Promise<Transport> {
    await transport.close();
    const daLink = await (this.reenumerate as () => Promise<Transport>)();
    this.link = daLink;
    return daLink;
  }

  /** the cable comes out: the link closes under whatever is running */
  async pullCable(): Promise<void> {
    await this.link?.close();
  }

  async close(): Promise<void> {
    await this.pullCable();
    await this.storage.close();
    if (this.tempDir) await rm(this.tempDir, { recursive: true, force: true });
  }
}

async function drainUntilClosed(transport: Transport): Promise<void> {
  for (;;) await transport.read(1, Infinity);
}
