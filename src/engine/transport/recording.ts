import type { Transport } from './types.js';

export interface RecordedChunk {
  direction: 'out' | 'in';
  bytes: Uint8Array;
}

/** Wraps a transport and keeps every byte written and read, in order: for protocol traces and byte-exact tests. */
export class RecordingTransport implements Transport {
  readonly log: RecordedChunk[] = [];

  constructor(private readonly inner: Transport) {}

  get description(): string {
    return this.inner.description;
  }

  get closed(): boolean {
    return this.inner.closed;
  }

  async write(bytes: Uint8Array): Promise<void> {
    this.log.push({ direction: 'out', bytes: bytes.slice() });
    await this.inner.write(bytes);
  }

  async read(length: number, timeoutMs?: number): Promise<Uint8Array> {
    const bytes = await this.inner.read(length, timeoutMs);
    this.log.push({ direction: 'in', bytes });
    return bytes;
  }

  discardInput(): void {
    this.inner.discardInput();
  }

  /** logged as an empty outgoing chunk, so tests see where the packets end */
  async sendZeroLengthPacket(): Promise<void> {
    this.log.push({ direction: 'out', bytes: new Uint8Array(0) });
    await this.inner.sendZeroLengthPacket?.();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** everything sent (or received), concatenated */
  sent(): Uint8Array {
    return this.joined('out');
  }

  received(): Uint8Array {
    return this.joined('in');
  }

  clear(): void {
    this.log.length = 0;
  }

  private joined(direction: RecordedChunk['direction']): Uint8Array {
    return Buffer.concat(this.log.filter((c) => c.direction === direction).map((c) => c.bytes));
  }
}
