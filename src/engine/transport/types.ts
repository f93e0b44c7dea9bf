import { ExitCode, RomctlError } from '../../errors.js';

/**
 * A byte pipe to a phone (or the simulated one): serial CDC-ACM, a pseudo-terminal, or an in-memory pair.
 * Reads are exact-length with a timeout, because every MTK protocol step knows how many bytes it expects.
 */
export interface Transport {
  /** e.g. `/dev/ttyACM0`, `COM5`, `memory` */
  readonly description: string;
  readonly closed: boolean;
  /** sends all bytes; resolves once they are handed to the peer or the OS */
  write(bytes: Uint8Array): Promise<void>;
  /**
   * exactly `length` bytes, or a TransportError ('timeout' after `timeoutMs`, 'closed' when the peer goes away);
   * `timeoutMs: Infinity` waits until the bytes arrive or the link closes (a device waiting for its next command)
   */
  read(length: number, timeoutMs?: number): Promise<Uint8Array>;
  /** drops whatever has arrived and not been read (handshake resync) */
  discardInput(): void;
  /**
   * ends a USB bulk transfer with a zero-length packet; byte-stream transports (serial, pty, memory) have no
   * packets and leave it out
   */
  sendZeroLengthPacket?(): Promise<void>;
  close(): Promise<void>;
}

export type TransportFailure = 'timeout' | 'closed';

/** A device or protocol failure on the link: exit code 4, says where and what to do. */
export class TransportError extends RomctlError {
  constructor(
    readonly failure: TransportFailure,
    message: string,
    options: { where: string; hint?: string; cause?: unknown },
  ) {
    super(message, { exitCode: ExitCode.device, ...options });
    this.name = 'TransportError';
  }
}

/** Default wait for one protocol reply; long operations (erase, write) pass their own. */
export const DEFAULT_READ_TIMEOUT_MS = 5000;
