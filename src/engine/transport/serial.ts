import { read as readCallback } from 'node:fs';
import { promisify } from 'node:util';
import type { SerialPort } from 'serialport';
import { ExitCode, RomctlError } from '../../errors.js';
import { Inbound, closedLinkError } from './inbound.js';
import { DEFAULT_READ_TIMEOUT_MS, TransportError, type Transport } from './types.js';

export interface SerialOptions {
  /** meaningless on USB CDC-ACM but harmless, and what real UART download needs (reference §1.3) */
  baudRate?: number;
}

const DEFAULT_BAUD_RATE = 921600;
const fsRead = promisify(readCallback);

/** A serial port (CDC-ACM `/dev/ttyACM*`, `COMn`, or a pseudo-terminal) through the `serialport` package. */
class SerialTransport implements Transport {
  private readonly inbound: Inbound;

  constructor(
    private readonly port: SerialPort,
    readonly description: string,
  ) {
    this.inbound = new Inbound(description);
    port.on('data', (chunk: Buffer) => this.inbound.push(new Uint8Array(chunk)));
    port.on('close', (error?: { disconnected?: boolean }) =>
      this.inbound.close(error?.disconnected ? 'the device disconnected' : 'the port was closed'),
    );
    port.on('error', (error: Error) => this.inbound.close(`port error (${error.message})`));
  }

  get closed(): boolean {
    return this.inbound.closed || !this.port.isOpen;
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.closed)
      return Promise.reject(closedLinkError(this.description, `writing ${bytes.length} byte(s)`));
    return new Promise((resolve, reject) => {
      this.port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), (error) => {
        if (!error) resolve();
        else
          reject(
            closedLinkError(this.description, `writing ${bytes.length} byte(s) failed (${error.message})`),
          );
      });
    });
  }

  read(length: number, timeoutMs = DEFAULT_READ_TIMEOUT_MS): Promise<Uint8Array> {
    return this.inbound.read(length, timeoutMs);
  }

  discardInput(): void {
    this.inbound.discard();
  }

  close(): Promise<void> {
    this.inbound.close('the port was closed');
    if (!this.port.isOpen) return Promise.resolve();
    return new Promise((resolve) => this.port.close(() => resolve()));
  }
}

/** Opens a serial port as a Transport; an unopenable port is a device error saying why and what to do. */
export async function openSerialTransport(path: string, options: SerialOptions = {}): Promise<Transport> {
  const { SerialPort } = await loadSerialport(path);
  const port = new SerialPort({ path, baudRate: options.baudRate ?? DEFAULT_BAUD_RATE, autoOpen: false });
  await new Promise<void>((resolve, reject) =>
    port.open((error) => (error ? reject(openError(path, error)) : resolve())),
  );
  keepWaitersPolled(port);
  treatZeroReadAsHangup(port);
  return new SerialTransport(port, path);
}

interface UnixPoller {
  once(event: 'readable', listener: (error?: Error | null) => void): void;
  poll(eventFlag?: number): void;
  listenerCount(event: 'readable' | 'writable'): number;
}

interface UnixPortBinding {
  fd?: number | null;
  isOpen?: boolean;
  poller?: UnixPoller;
  read(buffer: Buffer, offset: number, length: number): Promise<{ bytesRead: number; buffer: Buffer }>;
}

/** libuv poll flags as serialport's poller passes them */
const UV_READABLE = 0b01;
const UV_WRITABLE = 0b10;

/**
 * serialport's native poller restarts the fd watch with only the event just asked for (`uv_poll_start(handle,
 * events)`), so a read that waits for 'readable' cancels a write's pending 'writable', and the reverse. A phone
 * writing a 1 MiB frame while the host's ack trickles in then waits forever for 'writable': the link stalls with
 * both sides idle. Every poll here asks for the events that still have someone waiting as well.
 */
function keepWaitersPolled(port: SerialPort): void {
  const poller = (port.port as unknown as UnixPortBinding | undefined)?.poller;
  if (!poller) return;
  const poll = poller.poll.bind(poller);
  poller.poll = (eventFlag = 0) =>
    poll(
      eventFlag |
        (poller.listenerCount('readable') > 0 ? UV_READABLE : 0) |
        (poller.listenerCount('writable') > 0 ? UV_WRITABLE : 0),
    );
}

const RETRY_CODES = new Set(['EAGAIN', 'EWOULDBLOCK', 'EINTR']);

/**
 * A hung-up tty (a CDC-ACM port after unplugging, a pty whose other side is gone) reads as 0 bytes forever, and
 * serialport's Unix binding then re-reads in a busy loop without noticing. Here 0 bytes on the non-blocking fd
 * means the device went away, so the stream closes as disconnected and waiting reads fail with 'closed'.
 */
function treatZeroReadAsHangup(port: SerialPort): void {
  const binding = port.port as unknown as UnixPortBinding | undefined;
  const poller = binding?.poller;
  if (!binding || typeof binding.fd !== 'number' || !poller) return;
  binding.read = async (buffer, offset, length) => {
    for (;;) {
      try {
        const { bytesRead } = await fsRead(binding.fd as number, buffer, offset, length, null);
        if (bytesRead > 0) return { bytesRead, buffer };
        throw Object.assign(new Error('the device hung up'), { disconnect: true });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? '';
        if (!binding.isOpen) throw Object.assign(new Error('Port is not open'), { canceled: true });
        if (!RETRY_CODES.has(code)) throw error;
        await new Promise<void>((resolve, reject) =>
          poller.once('readable', (e) => (e ? reject(e) : resolve())),
        );
      }
    }
  };
}

async function loadSerialport(path: string): Promise<typeof import('serialport')> {
  try {
    return await import('serialport');
  } catch (error) {
    throw new RomctlError('the serialport package could not be loaded', {
      exitCode: ExitCode.device,
      where: path,
      hint: 'reinstall romctl so its serialport dependency (with prebuilt binaries) is present',
      cause: error,
    });
  }
}

function openError(path: string, error: Error): TransportError {
  const text = error.message;
  const hint = /no such file|ENOENT/i.test(text)
    ? 'no such port: list the connected phones with romctl detect'
    : /permission denied|EACCES/i.test(text)
      ? 'no permission: add yourself to the dialout (or uucp) group, or install udev rules for 0e8d (romctl doctor)'
      : /busy|lock|temporarily unavailable/i.test(text)
        ? 'another program holds the port (ModemManager, SP Flash Tool, another romctl): stop it and retry'
        : 'check the cable and the port name (romctl detect)';
  return new TransportError('closed', `cannot open the port: ${text}`, { where: path, hint, cause: error });
}
