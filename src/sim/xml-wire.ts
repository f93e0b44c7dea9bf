/**
 * The simulated XML (V6) DA's own reading and writing of frames (reference §4.5): the XFlash 12-byte header
 * (magic 0xFEEEEEEF, data type, length) around NUL-terminated texts — XML documents, `OK`, `OK@0x…`, `ERR!…` — and
 * raw data. Log lines go out as DT_MESSAGE frames (u32 priority, then the text), which a host must skip. Written
 * apart from the engine's XML client on purpose: the phone decodes what the host sends with its own code.
 */
import type { Transport } from '../engine/transport/types.js';
import { WireBroken } from './xflash-wire.js';

export { WireBroken };

const MAGIC = 0xfeeeeeef;
const DT_PROTOCOL_FLOW = 1;
const DT_MESSAGE = 2;
const HEADER = 12;
/** a DA's log priority for informational lines */
const LOG_INFO = 1;

export class SimXmlWire {
  constructor(
    readonly transport: Transport,
    private readonly idleTimeoutMs: number,
  ) {}

  /**
   * The next protocol frame's payload; DT_MESSAGE frames from the host are skipped. A header without the magic, of
   * another type, or longer than `max` breaks the link: the DA cannot find the next frame boundary any more.
   */
  async frame(max: number): Promise<Uint8Array> {
    for (;;) {
      const header = Buffer.from(await this.transport.read(HEADER, this.idleTimeoutMs));
      if (header.readUInt32LE(0) !== MAGIC) throw new WireBroken('frame without the 0xFEEEEEEF magic');
      const type = header.readUInt32LE(4);
      const length = header.readUInt32LE(8);
      if (type !== DT_PROTOCOL_FLOW && type !== DT_MESSAGE)
        throw new WireBroken(`frame of unknown type ${type}`);
      if (length > max) throw new WireBroken(`frame of ${length} bytes where at most ${max} fit`);
      const payload =
        length === 0 ? new Uint8Array(0) : await this.transport.read(length, this.idleTimeoutMs);
      if (type === DT_PROTOCOL_FLOW) return payload;
    }
  }

  /** a text frame: the payload up to its first NUL, as UTF-8 */
  async text(max: number): Promise<string> {
    const payload = Buffer.from(await this.frame(max));
    const end = payload.indexOf(0);
    return payload.subarray(0, end < 0 ? payload.length : end).toString('utf8');
  }

  async sendData(payload: Uint8Array): Promise<void> {
    await this.transport.write(Buffer.concat([header(DT_PROTOCOL_FLOW, payload.length), payload]));
  }

  /** a text as the DA sends it: UTF-8 and one NUL */
  sendText(text: string): Promise<void> {
    return this.sendData(Buffer.from(`${text}\0`, 'utf8'));
  }

  /** a DT_MESSAGE log line (the length counts the 4-byte priority) */
  async log(line: string): Promise<void> {
    const body = Buffer.from(`${line}\0`, 'utf8');
    const priority = Buffer.alloc(4);
    priority.writeUInt32LE(LOG_INFO, 0);
    await this.transport.write(Buffer.concat([header(DT_MESSAGE, 4 + body.length), priority, body]));
  }
}

function header(type: number, length: number): Buffer {
  const out = Buffer.alloc(HEADER);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(type, 4);
  out.writeUInt32LE(length, 8);
  return out;
}
