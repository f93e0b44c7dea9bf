/**
 * A read-only passport of a connected phone: what the boot ROM says (chip, versions, target config, ids), what the
 * DA reports (storage and its id), the preloader boot1 holds now and whether its EMI records fit this phone, and the
 * partition table. Nothing is written; the DA reboots the phone normally at the end.
 */
import { createHash } from 'node:crypto';
import { RomctlError } from '../errors.js';
import { matchMemory, parsePreloader } from '../formats/preloader/index.js';
import type { BromIdentity } from './brom.js';
import { memorySpecOf } from './da/client.js';
import type { FlashSession } from './flash-session.js';

/** a preloader is at most a few hundred KiB plus its boot header */
const BOOT1_READ = 1024 * 1024;

const hex = (value: number | bigint, digits = 1) => `0x${value.toString(16).padStart(digits, '0')}`;
const bytesHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

export interface Passport {
  mode: 'brom' | 'preloader';
  chip: string | null;
  hwCode: string;
  daProtocol: string | null;
  hwSubCode: string;
  hwVersion: string;
  swVersion: string;
  targetConfig: {
    raw: string;
    sbc: boolean;
    sla: boolean;
    daa: boolean;
    memoryReadAuth: boolean;
    memoryWriteAuth: boolean;
  };
  meId: string;
  socId: string | null;
  storage: {
    kind: 'emmc' | 'ufs';
    id: string;
    /** the first 9 id bytes (eMMC: manufacturer, OEM, product name), kept when the id is redacted */
    idPrefix: string;
    firmwareVersion: string;
    blockSize: number;
    boot1Size: string;
    boot2Size: string;
    userSize: string;
  } | null;
  preloader: {
    present: boolean;
    fileName: string | null;
    project: string | null;
    emiVersion: number | null;
    records: number;
    fits: 'match' | 'no-match' | 'cannot-decide' | null;
    reason: string;
  } | null;
  partitions: Array<{ name: string; start: string; size: string }> | null;
  /** what could not be read, and why */
  notes: string[];
  redacted: boolean;
}

export function identityPassport(identity: BromIdentity): Passport {
  const t = identity.targetConfig;
  return {
    mode: identity.mode,
    chip: identity.chip?.names[0] ?? null,
    hwCode: hex(identity.hwCode, 4),
    daProtocol: identity.chip?.daProtocol ?? null,
    hwSubCode: hex(identity.hwSubCode, 4),
    hwVersion: hex(identity.hwVersion, 4),
    swVersion: hex(identity.swVersion, 4),
    targetConfig: {
      raw: hex(t.raw, 8),
      sbc: t.sbc,
      sla: t.sla,
      daa: t.daa,
      memoryReadAuth: t.memoryReadAuth,
      memoryWriteAuth: t.memoryWriteAuth,
    },
    meId: bytesHex(identity.meId),
    socId: identity.socId ? bytesHex(identity.socId) : null,
    storage: null,
    preloader: null,
    partitions: null,
    notes: [],
    redacted: false,
  };
}

/** Everything the DA can tell without writing: storage, the boot1 preloader and its fit, the partition table. */
export async function probeSession(session: FlashSession): Promise<Passport> {
  const passport = identityPassport(session.identity);
  const { storage, client } = session;
  passport.storage = {
    kind: storage.kind,
    id: storage.id,
    idPrefix: storage.id.slice(0, 18),
    firmwareVersion: storage.firmwareVersion,
    blockSize: storage.blockSize,
    boot1Size: hex(storage.boot1Size),
    boot2Size: hex(storage.boot2Size),
    userSize: hex(storage.userSize),
  };
  const length = storage.boot1Size < BigInt(BOOT1_READ) ? storage.boot1Size : BigInt(BOOT1_READ);
  const boot1 = await client.readAll('boot1', 0n, length);
  passport.preloader = preloaderFacts(boot1, memorySpecOf(storage));
  const table = await client.partitionTable().catch((error: unknown) => {
    if (!(error instanceof RomctlError)) throw error;
    passport.notes.push(`partition table unreadable: ${error.message}`);
    return null;
  });
  passport.partitions =
    table?.partitions.map((p) => ({ name: p.name, start: hex(p.start), size: hex(p.size) })) ?? null;
  if (table === null && passport.notes.length === 0) passport.notes.push('no GPT on the user area');
  passport.notes.push('lock state: not readable through the DA protocols romctl speaks');
  return passport;
}

/** boot1 holds nothing the boot ROM could start */
const noPreloader = (reason: string): Passport['preloader'] => ({
  present: false,
  fileName: null,
  project: null,
  emiVersion: null,
  records: 0,
  fits: null,
  reason,
});

function preloaderFacts(boot1: Uint8Array, memory: ReturnType<typeof memorySpecOf>): Passport['preloader'] {
  if (boot1.every((b) => b === 0) || boot1.every((b) => b === 0xff)) {
    return noPreloader('boot1 is empty: the phone can only start in BROM mode');
  }
  try {
    const info = parsePreloader(boot1, { fileName: 'boot1' });
    const match = matchMemory(info.bloader, memory);
    return {
      present: info.gfh !== null,
      fileName: info.bloader?.fileName ?? null,
      project: info.bloader?.project ?? null,
      emiVersion: info.bloader?.version ?? null,
      records: info.bloader?.records.length ?? 0,
      fits: match.verdict,
      reason: match.reason,
    };
  } catch (error) {
    if (!(error instanceof RomctlError)) throw error;
    return noPreloader(`boot1 holds no readable preloader (${error.message})`);
  }
}

const redact = (value: string) => `sha256:${createHash('sha256').update(value).digest('hex').slice(0, 16)}`;

/**
 * The ids hashed, so the passport can be pasted into a bug report; the same id always gives the same hash. The
 * storage id's first 9 bytes (maker and product name, no serial) stay, so the memory check can still use them.
 */
export function redactPassport(passport: Passport): Passport {
  return {
    ...passport,
    meId: redact(passport.meId),
    socId: passport.socId === null ? null : redact(passport.socId),
    storage: passport.storage && { ...passport.storage, id: redact(passport.storage.id) },
    redacted: true,
  };
}
