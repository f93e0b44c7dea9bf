/**
 * The legacy DA's unframed byte stream over a Transport (reference §4.3): single status bytes and big-endian
 * integers. Shared by the host client and the simulated DA.
 */
import type { Transport } from '../transport/types.js';
import { DaStatusError } from './da-status.js';
import { Byte } from './legacy-protocol.js';
import { protocolError } from './xflash-link.js';

const name = (byte: number) =>
  (Object.entries(Byte).find(([, value]) => value === byte)?.[0] ?? 'unknown') +
  ` (0x${byte.toString(16).padStart(2, '0')})`;

export class LegacyLink {
  constructor(
    readonly transport: Transport,
    /** per reply; long steps pass their own */
    readonly timeoutMs: number,
    readonly where: string,
  ) {}

  write(bytes: Uint8Array): Promise<void> {
    return this.transport.write(bytes);
  }

  writeByte(byte: number): Promise<void> {
    return this.transport.write(Uint8Array.of(byte));
  }

  read(length: number, timeoutMs = this.timeoutMs): Promise<Uint8Array> {
    return this.transport.read(length, timeoutMs);
  }

  async u8(timeoutMs = this.timeoutMs): Promise<number> {
    return (await this.read(1, timeoutMs))[0]!;
  }

  async u16(timeoutMs = this.timeoutMs): Promise<number> {
    const b = await this.read(2, timeoutMs);
    return (b[0]! << 8) | b[1]!;
  }

  async u32(timeoutMs = this.timeoutMs): Promise<number> {
    const b = await this.read(4, timeoutMs);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0);
  }

  async u64(timeoutMs = this.timeoutMs): Promise<bigint> {
    const b = await this.read(8, timeoutMs);
    return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0);
  }

  /** one status byte that must be `expected`; anything else is the DA out of step (or refusing) */
  async expect(expected: number, step: string, timeoutMs = this.timeoutMs): Promise<void> {
    const got = await this.u8(timeoutMs);
    if (got !== expected)
      throw protocolError(`${step}: the DA answered ${name(got)}, not ${name(expected)}`, this.where);
  }

  /** `expected` (ACK), or a refusal: NACK + u32 little-endian error code → DaStatusError */
  async expectOrRefusal(
    step: string,
    expected: number = Byte.ACK,
    timeoutMs = this.timeoutMs,
  ): Promise<void> {
    const got = await this.u8(timeoutMs);
    if (got === expected) return;
    if (got === Byte.NACK) {
      const code = await this.read(4);
      throw new DaStatusError(
        new DataView(code.buffer, code.byteOffset, 4).getUint32(0, true),
        step,
        this.where,
      );
    }
    throw protocolError(`${step}: the DA answered ${name(got)}, not ${name(expected)}`, this.where);
  }

  /** the refusal `expectOrRefusal` decodes */
  refuse(code: number): Promise<void> {
    const out = new Uint8Array(5);
    out[0] = Byte.NACK;
    new DataView(out.buffer).setUint32(1, code >>> 0, true);
    return this.write(out);
  }
}
