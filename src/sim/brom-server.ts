import {
  BromCommand,
  BromStatus,
  HANDSHAKE,
  TargetConfigBit,
  be16,
  be32,
  u16,
  u32,
} from '../engine/brom-protocol.js';
import { constants, createHash, publicDecrypt, randomBytes } from 'node:crypto';
import type { Transport } from '../engine/transport/types.js';
import type { SimPhone } from './phone.js';

export interface DaJump {
  daImage: Uint8Array;
  address: number;
}

/**
 * The boot ROM's SEND_DA checksum, computed as MediaTek's host code describes it (reference §2.4): XOR of the
 * big-endian 16-bit words, an odd tail byte taken as the high byte, then the two bytes of the result swapped.
 */
function phoneChecksum(image: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i + 1 < image.length; i += 2) sum ^= ((image[i] as number) << 8) | (image[i + 1] as number);
  if (image.length & 1) sum ^= (image[image.length - 1] as number) << 8;
  return ((sum & 0xff) << 8) | (sum >> 8);
}

/**
 * The phone's check of an SLA response, done its own way round: the public key undoes the private-key operation
 * (PKCS#1 v1.5 type 1), and what comes out must be the challenge, both with their 16-bit words byte-swapped.
 */
function verifiesSla(publicKey: string | undefined, challenge: Uint8Array, response: Uint8Array): boolean {
  if (!publicKey) return false;
  const swapped = (bytes: Uint8Array) => {
    const out = Buffer.from(bytes);
    for (let i = 0; i + 1 < out.length; i += 2) out.writeUInt16LE(out.readUInt16BE(i), i);
    return out;
  };

  try {
    const recovered = publicDecrypt(
      { key: publicKey, padding: constants.RSA_PKCS1_PADDING },
      swapped(response),
    );
    return recovered.equals(swapped(challenge));
  } catch {
    return false;
  }
}

/** the largest DA the simulated boot ROM accepts (real DA1 stages are a few hundred KiB) */
const MAX_DA_LENGTH = 16 * 1024 * 1024;
/** the most words one READ/WRITE command may move */
const MAX_WORDS = 0x10000;
const UPLOAD_CHUNK = 64 * 1024;

/**
 * The phone side of the BROM / preloader protocol, byte-exact to reference §2: handshake, then commands until
 * JUMP_DA (returns the uploaded DA) or until the link closes (returns null). Unknown bytes get no answer, as
 * on a real boot ROM. A lone 0xA0 after the handshake starts a new one, so a host can reconnect.
 */
export async function serveBrom(phone: SimPhone, transport: Transport): Promise<DaJump | null> {
  const session = new BromSession(phone, transport);
  return session.run();
}

class BromSession {
  private synced = false;
  private handshakeIndex = 0;
  private loadedDa: DaJump | null = null;
  /** DAA: an auth file the root key verifies was received */
  private authorised = false;
  /** SLA: a challenge was answered with the right key */
  private slaPassed = false;

  constructor(
    private readonly phone: SimPhone,
    private readonly link: Transport,
  ) {}

  async run(): Promise<DaJump | null> {
    while (!this.link.closed) {
      const byte = (await this.link.read(1, Infinity))[0] as number;
      if (!this.synced || byte === HANDSHAKE[0]) {
        await this.handshakeStep(byte);
        continue;
      }
      const jump = await this.command(byte);
      if (jump) return jump;
    }
    return null;
  }

  private async handshakeStep(byte: number): Promise<void> {
    if (byte === HANDSHAKE[0]) {
      this.synced = false;
      this.handshakeIndex = 0;
    }
    if (byte !== HANDSHAKE[this.handshakeIndex]) {
      this.handshakeIndex = 0;
      return;
    }
    await this.send(Uint8Array.of(~byte & 0xff));
    this.handshakeIndex++;
    if (this.handshakeIndex === HANDSHAKE.length) this.synced = true;
  }

  private async command(byte: number): Promise<DaJump | null> {
    const p = this.phone.profile;
    switch (byte) {
      case BromCommand.GET_HW_CODE:
        await this.send(Uint8Array.of(byte), u16(p.chip.hwCode), u16(0));
        return null;
      case BromCommand.GET_HW_SW_VER:
        await this.send(
          Uint8Array.of(byte),
          u16(p.hwSubCode),
          u16(p.hwVersion),
          u16(p.swVersion),
          u16(BromStatus.OK),
        );
        return null;
      case BromCommand.GET_VERSION:
        await this.send(Uint8Array.of(p.bromVersion));
        return null;
      case BromCommand.GET_BL_VER:
        await this.send(
          Uint8Array.of(this.phone.mode === 'preloader' ? p.preloaderVersion : BromCommand.GET_BL_VER),
        );
        return null;
      case BromCommand.GET_TARGET_CONFIG:
        await this.send(Uint8Array.of(byte), u32(p.targetConfig), u16(BromStatus.OK));
        return null;
      case BromCommand.GET_ME_ID:
        await this.sendIdBlob(byte, p.meId);
        return null;
      case BromCommand.GET_SOC_ID:
        if (p.socId) await this.sendIdBlob(byte, p.socId);
        return null;
      case BromCommand.READ16:
      case BromCommand.READ32:
        await this.readRegisters(byte, byte === BromCommand.READ32 ? 4 : 2);
        return null;
      case BromCommand.WRITE16:
      case BromCommand.WRITE32:
        await this.writeRegisters(byte, byte === BromCommand.WRITE32 ? 4 : 2);
        return null;
      case BromCommand.SEND_DA:
        await this.receiveDa(byte);
        return null;
      case BromCommand.SEND_AUTH:
        await this.receiveAuth(byte);
        return null;
      case BromCommand.SLA:
        await this.challenge(byte);
        return null;
      case BromCommand.JUMP_DA:
        return this.jumpDa(byte);
      default:
        return null;
    }
  }

  private async sendIdBlob(command: number, id: Uint8Array): Promise<void> {
    await this.send(Uint8Array.of(command), u32(id.length), id, u16(BromStatus.OK));
  }

  private async readRegisters(command: number, size: 2 | 4): Promise<void> {
    await this.send(Uint8Array.of(command));
    const address = await this.echoU32();
    const count = await this.echoU32();
    if (count > MAX_WORDS) return this.send(u16(BromStatus.DA_INVALID_ADDR_AND_LEN));
    if (this.phone.profile.targetConfig & TargetConfigBit.memoryReadAuth)
      return this.send(u16(BromStatus.INVALID_ADDRESS));
    const words = Array.from({ length: count }, (_, i) => {
      const value = this.phone.registers.get(address + i * size) ?? 0;
      return size === 4 ? u32(value) : u16(value);
    });
    await this.send(u16(BromStatus.OK), ...words, u16(BromStatus.OK));
  }

  private async writeRegisters(command: number, size: 2 | 4): Promise<void> {
    await this.send(Uint8Array.of(command));
    const address = await this.echoU32();
    const count = await this.echoU32();
    if (count > MAX_WORDS) return this.send(u16(BromStatus.DA_INVALID_ADDR_AND_LEN));
    // phones that want authorised memory writes refuse them before taking a value
    if (this.phone.profile.targetConfig & TargetConfigBit.memoryWriteAuth)
      return this.send(u16(BromStatus.INVALID_ADDRESS));
    await this.send(u16(BromStatus.OK));
    for (let i = 0; i < count; i++) {
      const raw = await this.link.read(size, Infinity);
      await this.send(raw);
      this.phone.registers.set(address + i * size, size === 4 ? be32(raw, 0) : be16(raw, 0));
    }
    await this.send(u16(BromStatus.OK));
  }

  /** SEND_DA (reference §2.4): address, length and signature length echoed, status, data, checksum, status */
  private async receiveDa(command: number): Promise<void> {
    await this.send(Uint8Array.of(command));
    const address = await this.echoU32();
    const length = await this.echoU32();
    const signatureLength = await this.echoU32();
    const refusal = this.daRefusal(length, signatureLength);
    this.phone.uploads.push({ address, length, signatureLength, status: refusal ?? BromStatus.OK });
    if (refusal !== null) return this.send(u16(refusal));
    await this.send(u16(BromStatus.OK));
    const image = await this.receive(length);
    this.loadedDa = { daImage: image, address };
    await this.send(u16(phoneChecksum(image)), u16(BromStatus.OK));
  }

  /** SEND_AUTH: length echoed, status, the file uploaded like a DA, checksum, and whether the root key takes it */
  private async receiveAuth(command: number): Promise<void> {
    await this.send(Uint8Array.of(command));
    const length = await this.echoU32();
    if (!(this.phone.profile.targetConfig & TargetConfigBit.daa))
      return this.send(u16(BromStatus.NO_AUTH_NEEDED));
    if (length === 0 || length > MAX_DA_LENGTH) return this.send(u16(BromStatus.DA_INVALID_ADDR_AND_LEN));
    await this.send(u16(BromStatus.OK));
    const file = await this.receive(length);
    const expected = this.phone.profile.security?.authFileSha256;
    this.authorised = expected !== undefined && createHash('sha256').update(file).digest('hex') === expected;
    await this.send(
      u16(phoneChecksum(file)),
      u16(this.authorised ? BromStatus.OK : BromStatus.ERR_SIG_CHK_FAIL),
    );
  }

  /** SLA: a fresh challenge; the response must be the challenge signed with the vendor's private key */
  private async challenge(command: number): Promise<void> {
    await this.send(Uint8Array.of(command));
    if (!(this.phone.profile.targetConfig & TargetConfigBit.sla))
      return this.send(u16(BromStatus.SLA_NOT_NEEDED));
    const challenge = randomBytes(16);
    await this.send(u16(BromStatus.OK), u32(challenge.length), challenge);
    const raw = await this.link.read(4, Infinity);
    const length = Buffer.from(raw).readUInt32LE(0);
    await this.send(raw);
    if (length === 0 || length > 0x400) return this.send(u16(BromStatus.SLA_ERROR));
    await this.send(u16(BromStatus.OK));
    const response = await this.link.read(length, Infinity);
    this.slaPassed = verifiesSla(this.phone.profile.security?.slaPublicKey, challenge, response);
    await this.send(u32(this.slaPassed ? BromStatus.OK : BromStatus.SLA_ERROR));
  }

  private daRefusal(length: number, signatureLength: number): number | null {
    const config = this.phone.profile.targetConfig;
    if (config & TargetConfigBit.sla && !this.slaPassed) return BromStatus.SLA_ERROR;
    if (config & TargetConfigBit.daa && !this.authorised)
      return BromStatus.DA_BLOCKS_INCONSISTENT_WITH_TOOL_AUTH;
    if (length === 0) return BromStatus.DA_LEN_IS_ZERO;
    if (length > MAX_DA_LENGTH) return BromStatus.DA_INVALID_ADDR_AND_LEN;
    if (signatureLength > length) return BromStatus.DA_SIG_LEN_EXCEED_DA_LEN;
    if (config & TargetConfigBit.daa && signatureLength === 0)
      return BromStatus.DA_SIG_LEN_IS_ZERO_AND_DAA_ACTIVE;
    return null;
  }

  /** JUMP_DA: the address comes unechoed and is sent back as a u32, then the status */
  private async jumpDa(command: number): Promise<DaJump | null> {
    await this.send(Uint8Array.of(command));
    const raw = await this.link.read(4, Infinity);
    const address = be32(raw, 0);
    const loaded = this.loadedDa;
    const status = !loaded
      ? BromStatus.DA_NOT_EXIST
      : loaded.address !== address
        ? BromStatus.DA_INVALID_JUMP_ADDR
        : BromStatus.OK;
    await this.send(raw, u16(status));
    return status === BromStatus.OK ? loaded : null;
  }

  private async receive(length: number): Promise<Uint8Array> {
    const data = new Uint8Array(length);
    for (let at = 0; at < length; at += UPLOAD_CHUNK) {
      data.set(await this.link.read(Math.min(UPLOAD_CHUNK, length - at), Infinity), at);
    }
    return data;
  }

  private async echoU32(): Promise<number> {
    const raw = await this.link.read(4, Infinity);
    await this.send(raw);
    return be32(raw, 0);
  }

  private send(...parts: Uint8Array[]): Promise<void> {
    return this.link.write(parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts));
  }
}
