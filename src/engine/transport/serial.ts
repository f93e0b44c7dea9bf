import { readSync, writeSync } from 'node:fs';
import type { SerialPort } from 'serialport';
import { ExitCode, RomctlError } from '../../errors.js';
import { Inbound, closedLinkError } from './inbound.js';
import { DEFAULT_READ_TIMEOUT_MS, TransportError, type Transport } from './types.js';

export interface SerialOptions {
  /** meaningless on USB CDC-ACM but harmless, and what real UART download needs (reference §1.3) */
  baudRate?: number;
}

const DEFAULT_BAUD_RATE = 921600;

/** A write the phone does not take within this long failed: 10 s, plus time for the bytes at 64 KiB/s. */
function writeTimeoutMs(length: number): number {
  return 10_000 + Math.ceil(length / 64);
}
/**
 * The stream's read pool, and so the most one 'data' event carries: a pty read returns at most 4 KiB, and one
 * wakeup drains every read that is ready into this pool (see readWithoutThreadPool); successive reads sit side by
 * side in it, so most 1 MiB packets reach the reader as one view (Inbound.push).
 */
const READ_POOL_BYTES = 4 * 1024 * 1024;

/** A serial port (CDC-ACM `/dev/ttyACM*`, `COMn`, or a pseudo-terminal) through the `serialport` package. */
class SerialTransport implements Transport {
  private readonly inbound: Inbound;

  constructor(
    private readonly port: SerialPort,
    readonly description: string,
  ) {
    this.inbound = new Inbound(description);
    // a plain view of the read pool, not a copy (new Uint8Array(buffer) would copy)
    port.on('data', (chunk: Buffer) =>
      this.inbound.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)),
    );
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
      const timeoutMs = writeTimeoutMs(bytes.length);
      const timer = setTimeout(
        () =>
          reject(
            new TransportError('timeout', `the phone took no ${bytes.length} byte(s) in ${timeoutMs} ms`, {
              where: this.description,
              hint: 'the phone stopped reading: check the cable and the phone mode (romctl detect), then retry',
            }),
          ),
        timeoutMs,
      );
      this.port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), (error) => {
        clearTimeout(timer);
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
  const port = new SerialPort({
    path,
    baudRate: options.baudRate ?? DEFAULT_BAUD_RATE,
    autoOpen: false,
    highWaterMark: READ_POOL_BYTES,
  });
  await new Promise<void>((resolve, reject) =>
    port.open((error) => (error ? reject(openError(path, error)) : resolve())),
  );
  readWithoutThreadPool(port);
  writeWithoutThreadPool(port);
  keepEveryAwaitedEvent(port);
  return new SerialTransport(port, path);
}

interface FdPoller {
  once(event: 'readable' | 'writable', listener: (error?: Error | null) => void): void;
  poll(events?: number): void;
  listenerCount(event: string): number;
}

interface UnixPortBinding {
  fd?: number | null;
  isOpen?: boolean;
  poller?: FdPoller;
  writeOperation?: Promise<void> | null;
  read(buffer: Buffer, offset: number, length: number): Promise<{ bytesRead: number; buffer: Buffer }>;
  write(buffer: Buffer): Promise<void>;
}

const RETRY_CODES = new Set(['EAGAIN', 'EWOULDBLOCK', 'EINTR']);

function wouldBlock(error: unknown): boolean {
  return RETRY_CODES.has((error as NodeJS.ErrnoException).code ?? '');
}

function notOpen(): Error {
  return Object.assign(new Error('Port is not open'), { canceled: true });
}

function awaitPoll(poller: FdPoller, event: 'readable' | 'writable'): Promise<void> {
  return new Promise<void>((resolve, reject) => poller.once(event, (e) => (e ? reject(e) : resolve())));
}

/**
 * serialport's Unix binding reads each (at most 4 KiB) pty or CDC-ACM chunk with an fs.read on libuv's thread
 * pool: a thread hop and an event-loop wakeup per 4 KiB, which held the reader to about 0.7× of `head -c`. The fd
 * is non-blocking, so here every wakeup reads synchronously until the pool is full or the fd has nothing more
 * (EAGAIN), and only then waits for the poller.
 *
 * A hung-up tty (a CDC-ACM port after unplugging, a pty whose other side is gone) reads as 0 bytes forever, and
 * serialport's own read then re-reads in a busy loop without noticing. Here 0 bytes on the non-blocking fd
 * means the device went away, so the stream closes as disconnected and waiting reads fail with 'closed'.
 */
function readWithoutThreadPool(port: SerialPort): void {
  const binding = port.port as unknown as UnixPortBinding | undefined;
  const poller = binding?.poller;
  if (!binding || typeof binding.fd !== 'number' || !poller) return;
  binding.read = async (buffer, offset, length) => {
    for (;;) {
      const fd = binding.fd;
      if (!binding.isOpen || typeof fd !== 'number') throw notOpen();
      let got = 0;
      let hungUp = false;
      try {
        while (got < length && !hungUp) {
          const n = readSync(fd, buffer, offset + got, length - got, null);
          hungUp = n === 0;
          got += n;
        }
      } catch (error) {
        // what came before an error is delivered; a lasting error shows again on the next read
        if (!wouldBlock(error) && got === 0) throw error;
      }
      if (got > 0) return { bytesRead: got, buffer };
      if (hungUp) throw Object.assign(new Error('the device hung up'), { disconnect: true });
      await awaitPoll(poller, 'readable');
    }
  };
}

/** errors that mean the device is gone (serialport's own list) */
const DISCONNECT_CODES = new Set(['EBADF', 'ENXIO', 'UNKNOWN']);

/**
 * Writes go the same way as reads: synchronously into the non-blocking fd for as much as the tty takes, then a
 * wait for the poller's 'writable', instead of one fs.write on the thread pool per piece the tty accepts.
 */
function writeWithoutThreadPool(port: SerialPort): void {
  const binding = port.port as unknown as UnixPortBinding | undefined;
  const poller = binding?.poller;
  if (!binding || typeof binding.fd !== 'number' || !poller) return;
  const writeAll = async (buffer: Buffer): Promise<void> => {
    for (let at = 0; at < buffer.length;) {
      const fd = binding.fd;
      if (!binding.isOpen || typeof fd !== 'number') throw notOpen();
      try {
        at += writeSync(fd, buffer, at, buffer.length - at);
      } catch (error) {
        if (!wouldBlock(error)) {
          const code = (error as NodeJS.ErrnoException).code ?? '';
          throw DISCONNECT_CODES.has(code) ? Object.assign(error as Error, { disconnect: true }) : error;
        }
        await awaitPoll(poller, 'writable');
      }
    }
  };
  binding.write = (buffer) => {
    const operation = writeAll(buffer).finally(() => {
      if (binding.writeOperation === operation) binding.writeOperation = null;
    });
    binding.writeOperation = operation;
    return operation;
  };
}

/** the poller's event bits (libuv's UV_READABLE, UV_WRITABLE, UV_DISCONNECT) */
const POLL_EVENTS: [event: string, bit: number][] = [
  ['readable', 1],
  ['writable', 2],
  ['disconnect', 4],
];

/**
 * The pty stall: serialport's native poller restarts its watch with only the event just asked for, so a read
 * that finds no data (and asks for 'readable') silently cancels the 'writable' watch of a write waiting for a
 * full buffer to drain. If the peer then waits for that write before sending anything, both sides wait until a
 * timeout — seen under load as a backup read stopping a few KiB in. Every request here asks for every event
 * someone still waits for.
 */
function keepEveryAwaitedEvent(port: SerialPort): void {
  const poller = (port.port as unknown as UnixPortBinding | undefined)?.poller;
  if (!poller) return;
  const poll = poller.poll.bind(poller);
  poller.poll = (events = 0) => {
    const awaited = POLL_EVENTS.reduce(
      (all, [event, bit]) => (poller.listenerCount(event) > 0 ? all | bit : all),
      events,
    );
    poll(awaited);
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
