/**
 * A small test-side host for the simulated XML DA, independent of the engine's XML client: it writes the frames
 * and documents byte by byte as mtkclient/penumbra traces show them (reference §4.5) and reads the DA's answers.
 */
import type { Transport } from '../../src/engine/transport/types.js';

const TIMEOUT = 5000;

/** 12-byte header: magic EF EE EE FE, type, length (little-endian) */
export function frame(payload: Uint8Array, type = 1): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt32LE(0xfeeeeeef, 0);
  header.writeUInt32LE(type, 4);
  header.writeUInt32LE(payload.length, 8);
  return Buffer.concat([header, payload]);
}

/** a host command document as mtkclient's create_cmd writes it */
export function cmd(name: string, arg = '', version = '1.0'): string {
  return `<?xml version="1.0" encoding="utf-8"?><da><version>${version}</version><command>CMD:${name}</command><arg>${arg}</arg></da>`;
}

export class XmlHost {
  /** the DT_MESSAGE log lines the DA sent, in order */
  readonly logs: string[] = [];

  constructor(readonly link: Transport) {}

  /** a text frame with its NUL, as mtkclient's xsend(str) sends it */
  send(text: string): Promise<void> {
    return this.link.write(frame(Buffer.from(`${text}\0`, 'utf8')));
  }

  sendData(bytes: Uint8Array): Promise<void> {
    return this.link.write(frame(bytes));
  }

  /** the next protocol-flow payload; DT_MESSAGE frames are logged and skipped */
  async data(): Promise<Buffer> {
    for (;;) {
      const header = Buffer.from(await this.link.read(12, TIMEOUT));
      if (header.readUInt32LE(0) !== 0xfeeeeeef) throw new Error(`bad magic ${header.toString('hex')}`);
      const length = header.readUInt32LE(8);
      const payload = Buffer.from(length ? await this.link.read(length, TIMEOUT) : new Uint8Array(0));
      if (header.readUInt32LE(4) === 2) {
        this.logs.push(payload.subarray(4).toString('utf8').replace(/\0+$/, ''));
        continue;
      }
      return payload;
    }
  }

  async text(): Promise<string> {
    return (await this.data()).toString('utf8').replace(/\0+$/, '');
  }

  /** the DA's next document (or `read`, one already read) must name `command`; returns it */
  async doc(command: string, read?: string): Promise<string> {
    const text = read ?? (await this.text());
    if (!text.includes(`<command>CMD:${command}</command>`))
      throw new Error(`expected CMD:${command}, got ${text}`);
    return text;
  }

  async expect(text: string): Promise<void> {
    const got = await this.text();
    if (got !== text) throw new Error(`expected ${text}, got ${got}`);
  }

  /** ← CMD:START, → OK */
  async started(): Promise<void> {
    await this.doc('START');
    await this.send('OK');
  }

  /** ← CMD:END (its text returned), → OK, ← CMD:START, → OK */
  async ended(read?: string): Promise<string> {
    const end = await this.doc('END', read);
    await this.send('OK');
    await this.started();
    return end;
  }

  /** → command, ← OK, … ← CMD:END result OK */
  async simple(document: string): Promise<void> {
    await this.send(document);
    await this.expect('OK');
    const end = await this.ended();
    if (!end.includes('<result>OK</result>')) throw new Error(`command failed: ${end}`);
  }

  /** ← PROGRESS-REPORT, → OK, then ← line / → OK until OK!EOT; returns the lines */
  async progress(): Promise<string[]> {
    await this.doc('PROGRESS-REPORT');
    await this.send('OK');
    const lines: string[] = [];
    for (;;) {
      const line = await this.text();
      await this.send('OK');
      if (line === 'OK!EOT') return lines;
      lines.push(line);
    }
  }

  /** the DA's UPLOAD-FILE: ← doc, → OK, ← OK@0x<n>, → OK, per packet ← OK, → OK, ← data, → OK */
  async receive(read?: string): Promise<Buffer> {
    await this.doc('UPLOAD-FILE', read);
    await this.send('OK');
    const total = parseInt(/^OK@0x([0-9a-f]+)$/.exec(await this.text())?.[1] ?? 'x', 16);
    await this.send('OK');
    const pieces: Buffer[] = [];
    let got = 0;
    while (got < total) {
      await this.expect('OK');
      await this.send('OK');
      const piece = await this.data();
      await this.send('OK');
      pieces.push(piece);
      got += piece.length;
    }
    return Buffer.concat(pieces);
  }

  /**
   * the DA's DOWNLOAD-FILE: ← doc, → OK, → OK@0x<n>, ← OK, per packet → OK@0x<checksum>, ← OK, → data, ← OK.
   * `checksum` gives the value announced before each packet (default 0); returns the DA's last answer.
   */
  async give(bytes: Uint8Array, checksum: (piece: Uint8Array) => number = () => 0): Promise<string> {
    const doc = await this.doc('DOWNLOAD-FILE');
    const packet = parseInt(/<packet_length>0x([0-9a-f]+)<\/packet_length>/.exec(doc)?.[1] ?? 'x', 16);
    await this.send('OK');
    await this.send(`OK@0x${bytes.length.toString(16)}`);
    let answer = await this.text();
    if (answer !== 'OK') return answer;
    for (let at = 0; at < bytes.length; at += packet) {
      const piece = bytes.subarray(at, at + packet);
      await this.send(`OK@0x${checksum(piece).toString(16)}`);
      await this.expect('OK');
      await this.sendData(piece);
      answer = await this.text();
      if (answer !== 'OK') return answer;
    }
    return answer;
  }
}
