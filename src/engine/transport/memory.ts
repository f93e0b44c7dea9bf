import { Inbound, closedLinkError } from './inbound.js';
import { DEFAULT_READ_TIMEOUT_MS, type Transport } from './types.js';

class MemoryEnd implements Transport {
  readonly inbound: Inbound;
  peer: MemoryEnd | null = null;

  constructor(readonly description: string) {
    this.inbound = new Inbound(description);
  }

  get closed(): boolean {
    return this.inbound.closed;
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (this.closed || !this.peer) throw closedLinkError(this.description, `writing ${bytes.length} byte(s)`);
    this.peer.inbound.push(bytes.slice());
    // a real link hands bytes over asynchronously; yielding here also lets timers (a cable pull) run mid-transfer
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  read(length: number, timeoutMs = DEFAULT_READ_TIMEOUT_MS): Promise<Uint8Array> {
    return this.inbound.read(length, timeoutMs);
  }

  discardInput(): void {
    this.inbound.discard();
  }

  async close(): Promise<void> {
    this.inbound.close('the link was closed');
    this.peer?.inbound.close('the other end closed the link');
  }
}

/** Two connected ends of an in-memory link: what one writes the other reads; closing either closes both. */
export function createMemoryPair(
  names: readonly [string, string] = ['memory:host', 'memory:phone'],
): [Transport, Transport] {
  const a = new MemoryEnd(names[0]);
  const b = new MemoryEnd(names[1]);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
