/**
 * Writing one image and proving it landed (reference §4.6 steps 6–7): raw images go out as one stream, sparse
 * images as their data runs (holes skipped). The sha256 of exactly the bytes written is kept, and the same
 * ranges are read back from the phone and hashed: only equal hashes count as done.
 */
import { createHash } from 'node:crypto';
import { ExitCode, RomctlError } from '../errors.js';
import type { DaClient, ProgressFn } from './da/client.js';
import type { Section } from './da/xflash-info.js';
import { sparseRuns } from './da/sparse-runs.js';

export type ByteSource = () => Promise<AsyncIterable<Uint8Array>>;

export interface ImageTarget {
  partition: string;
  section: Section;
  address: bigint;
  partitionSize: bigint;
  fileSize: bigint;
  writtenSize: bigint;
  /** bytes sent: the data blocks of a sparse image (progress counts these) */
  sentSize?: bigint;
  sparse: boolean;
  /** sha256 of the file as the check read it; the bytes streamed now must be the same */
  sha256?: string;
}

/** What was written: data runs relative to the partition start, and the sha256 over them in order. */
export interface WrittenImage {
  runs: Array<[bigint, number]>;
  sha256: string;
}

/** A write the phone does not hold as sent: exit 4, says where. */
export class VerifyError extends RomctlError {
  constructor(partition: string, where: string, expected: string, actual: string) {
    super(
      `${partition} reads back differently than written (sha256 ${actual.slice(0, 16)}…, expected ${expected.slice(0, 16)}…)`,
      {
        exitCode: ExitCode.device,
        where,
        hint: 'the write did not land: run the same command with --resume to write it again; if it repeats, the storage is failing',
      },
    );
    this.name = 'VerifyError';
  }
}

export async function writeImage(
  client: DaClient,
  target: ImageTarget,
  source: ByteSource,
  onProgress?: ProgressFn,
): Promise<WrittenImage> {
  const hash = createHash('sha256');
  const fileHash = createHash('sha256');
  if (!target.sparse) {
    await client.write(
      target.section,
      target.address,
      hashing(await source(), hash),
      target.fileSize,
      onProgress,
    );
    const sha256 = hash.digest('hex');
    sameAsChecked(target, sha256);
    return { runs: [[0n, Number(target.fileSize)]], sha256 };
  }
  const runs: Array<[bigint, number]> = [];
  let done = 0n;
  await sparseRuns(hashing(await source(), fileHash), target.partition, async (offset, bytes) => {
    if (offset + BigInt(bytes.length) > target.partitionSize) {
      throw new RomctlError(`the expanded ${target.partition} image runs past its partition`, {
        exitCode: ExitCode.refused,
        where: `${target.partition} +0x${offset.toString(16)}`,
      });
    }
    hash.update(bytes);
    runs.push([offset, bytes.length]);
    const before = done;
    const total = target.sentSize ?? target.writtenSize;
    await client.write(target.section, target.address + offset, bytes, BigInt(bytes.length), (p) =>
      onProgress?.({ done: before + p.done, total }),
    );
    done += BigInt(bytes.length);
  });
  onProgress?.({ done, total: done });
  sameAsChecked(target, fileHash.digest('hex'));
  return { runs, sha256: hash.digest('hex') };
}

/** A file changed between the check and the write (a folder package edited meanwhile) is not trusted. */
function sameAsChecked(target: ImageTarget, fileSha256: string): void {
  if (target.sha256 === undefined || target.sha256 === fileSha256) return;
  throw new RomctlError(`${target.partition}: the image changed after it was checked`, {
    exitCode: ExitCode.download,
    where: target.partition,
    hint: 'the file in the package is not the one romctl checked; check the package again, then flash',
  });
}

/** sha256 over the runs as the phone holds them now. */
export async function readBackHash(
  client: DaClient,
  target: { section: Section; address: bigint },
  runs: ReadonlyArray<readonly [bigint, number]>,
  onProgress?: ProgressFn,
): Promise<string> {
  const hash = createHash('sha256');
  const total = runs.reduce((sum, [, length]) => sum + BigInt(length), 0n);
  let done = 0n;
  for (const [offset, length] of runs) {
    for await (const piece of client.read(target.section, target.address + offset, BigInt(length))) {
      hash.update(piece);
      done += BigInt(piece.length);
      onProgress?.({ done, total });
    }
  }
  return hash.digest('hex');
}

/**
 * How writes are proven: 'da' has the DA check every packet on the phone while it writes (checkWritesOnPhone),
 * 'full' reads every written byte back and compares sha256s.
 */
export type VerifyMode = 'da' | 'full';

export interface VerifyChoice {
  mode: VerifyMode;
  /** what is checked, in words (the flash result and the journal say it) */
  text: string;
}

const READ_BACK_TEXT = 'every written byte read back and its sha256 compared with what was sent';

/** The verify the run uses: the DA-side check when asked for and the DA has one, else the full read-back. */
export async function chooseVerify(client: DaClient, wanted: VerifyMode): Promise<VerifyChoice> {
  const onPhone = wanted === 'da' ? ((await client.checkWritesOnPhone?.()) ?? null) : null;
  return onPhone === null ? { mode: 'full', text: READ_BACK_TEXT } : { mode: 'da', text: onPhone };
}

/**
 * Writes and verifies; throws VerifyError when the phone holds something else. With the 'da' verify the DA has
 * checked every packet already (a mismatch fails the write itself), so nothing is read back.
 */
export async function writeAndVerify(
  client: DaClient,
  target: ImageTarget,
  source: ByteSource,
  onProgress?: (phase: 'write' | 'verify', progress: { done: bigint; total: bigint }) => void,
  verify: VerifyMode = 'full',
): Promise<WrittenImage> {
  const written = await writeImage(client, target, source, (p) => onProgress?.('write', p));
  if (verify === 'da') return written;
  const back = await readBackHash(client, target, written.runs, (p) => onProgress?.('verify', p));
  if (back !== written.sha256) {
    throw new VerifyError(
      target.partition,
      `${target.section} @ 0x${target.address.toString(16)}`,
      written.sha256,
      back,
    );
  }
  return written;
}

async function* hashing(source: AsyncIterable<Uint8Array>, hash: ReturnType<typeof createHash>) {
  for await (const chunk of source) {
    hash.update(chunk);
    yield chunk;
  }
}

const SECTOR = 512;

/** boot1 holds nothing a boot ROM would start: its first sector is all zeros or all 0xFF */
export async function bootAreaBlank(client: DaClient): Promise<boolean> {
  const head = await client.readAll('boot1', 0n, BigInt(SECTOR));
  return head.every((b) => b === 0) || head.every((b) => b === 0xff);
}

/**
 * The preloader is never left half-written: it goes to boot2 first and is verified there; then boot1's first
 * sector (the header the boot ROM looks for) is cleared, the body written and verified, and the first sector
 * written last. A cut at any point leaves boot1 with the old preloader, none (the phone comes up in BROM mode,
 * where `--resume` finishes the job), or the new one whole — never a partial image the boot ROM would start.
 */
export async function writePreloader(
  client: DaClient,
  image: Uint8Array,
  onProgress?: (phase: string, progress: { done: bigint; total: bigint }) => void,
): Promise<string> {
  const sha256 = createHash('sha256').update(image).digest('hex');
  const length = BigInt(image.length);
  const check = async (section: Section) => {
    const back = await client.sha256(section, 0n, length);
    if (back !== sha256) throw new VerifyError('preloader', `${section} @ 0x0`, sha256, back);
  };
  await client.write('boot2', 0n, image, length, (p) => onProgress?.('preloader → boot2', p));
  await check('boot2');
  await client.write('boot1', 0n, new Uint8Array(SECTOR), BigInt(SECTOR));
  if (image.length > SECTOR) {
    const body = image.subarray(SECTOR);
    await client.write('boot1', BigInt(SECTOR), body, BigInt(body.length), (p) =>
      onProgress?.('preloader → boot1', p),
    );
  }
  await client.write('boot1', 0n, image.subarray(0, SECTOR), BigInt(Math.min(SECTOR, image.length)));
  await check('boot1');
  return sha256;
}
