export { DEFAULT_READ_TIMEOUT_MS, TransportError, type Transport, type TransportFailure } from './types.js';
export { createMemoryPair } from './memory.js';
export { openSerialTransport, type SerialOptions } from './serial.js';
export { createPtyPair, socatAvailable, type PtyPair } from './pty.js';
export { RecordingTransport, type RecordedChunk } from './recording.js';
