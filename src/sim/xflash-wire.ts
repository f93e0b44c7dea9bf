/**
 * The simulated DA's own reading of XFlash frames (reference §4.4: a 12-byte little-endian header — magic
 * 0xFEEEEEEF, data type, payload length — then the payload). Written apart from the engine's XFlashLink on purpose:
 * the phone decodes what the host sends with its own code, so a wrong assumption in the host's encoder fails a test
 * instead of being echoed back.
 */
import type { Transport } from '../engine/transport/types.js';
import { DataType, XFLASH_MAGIC } from '../engine/da/xflash-protocol.js';

/** The host broke the framing: a real DA stops answering, and so does the simulated one. */
export class WireBroken extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireBroken';
  }
}

const HEADER = 12;
const SHORT_REPLY = 4096;

export class SimXFlashWire {
  constructor(
    readonly transport: Transport,
    private readonly idleTimeoutMs: number,
  ) {}

  /** one frame's payload; a header that is not XFlash's, or longer than `max`, breaks the link */
  async frame(max: number): Promise<Uint8Array> {
    const header = Buffer.from(await this.transport.read(HEADER, this.idleTimeoutMs));
    if (header.readUInt32LE(0) !== XFLASH_MAGIC) throw new WireBroken('frame without the 0xFEEEEEEF magic');
    if (header.readUInt32LE(4) !== DataType.protocolFlow)
      throw new WireBroken('host sent a non-protocol frame');
    const length = header.readUInt32LE(8);
    if (length > max) throw new WireBroken(`frame of ${length} bytes where at most ${max} fit`);
    return length === 0 ? new Uint8Array(0) : this.transport.read(length, this.idleTimeoutMs);
  }

  /** a frame that must hold exactly one u32 (a command, a flag, a checksum, an ack) */
  async word(): Promise<number> {
    const payload = await this.frame(4);
    if (payload.length !== 4) throw new WireBroken(`expected a 4-byte frame, got ${payload.length}`);
    return Buffer.from(payload).readUInt32LE(0);
  }

  async reply(payload: Uint8Array): Promise<void> {
    const header = Buffer.alloc(HEADER);
    header.writeUInt32LE(XFLASH_MAGIC, 0);
    header.writeUInt32LE(DataType.protocolFlow, 4);
    header.writeUInt32LE(payload.length, 8);
    // a data packet goes out behind its header as it is; short replies stay one write
    if (payload.length > SHORT_REPLY) {
      await this.transport.write(header);
      await this.transport.write(payload);
    } else await this.transport.write(Buffer.concat([header, payload]));
  }

  replyWord(value: number): Promise<void> {
    const payload = Buffer.alloc(4);
    payload.writeUInt32LE(value >>> 0, 0);
    return this.reply(payload);
  }
}
