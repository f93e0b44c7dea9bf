/** The ext4 superblock fields that give a raw filesystem image's size (public ext4 disk layout). */
import { RomctlError } from '../../errors.js';
import { cString, hex, u16le, u32le } from './le.js';

export const EXT4_SUPERBLOCK_OFFSET = 1024;
export const EXT4_MAGIC = 0xef53;
const MAGIC_AT = EXT4_SUPERBLOCK_OFFSET + 0x38;
const INCOMPAT_64BIT = 0x80;

export interface Ext4Superblock {
  blockSize: number;
  blockCount: bigint;
  /** blockCount × blockSize: the size the filesystem claims */
  size: bigint;
  volumeName: string;
}

export function isExt4(head: Uint8Array): boolean {
  return head.length >= MAGIC_AT + 2 && u16le(head, MAGIC_AT) === EXT4_MAGIC;
}

/** The superblock, or null when there is no ext2/3/4 magic; throws when the fields are cut or absurd. */
export function parseExt4Superblock(head: Uint8Array, name = 'image'): Ext4Superblock | null {
  if (!isExt4(head)) return null;
  const sb = head.subarray(EXT4_SUPERBLOCK_OFFSET);
  const fail = (message: string): RomctlError =>
    new RomctlError(`ext4 superblock: ${message}`, {
      where: `${name} @ ${hex(EXT4_SUPERBLOCK_OFFSET)}`,
      hint: 'the filesystem image is damaged or truncated: unpack the package again',
    });
  if (sb.length < 0x154) throw fail(`cut short at ${sb.length} bytes`);
  const logBlockSize = u32le(sb, 0x18);
  if (logBlockSize > 6) throw fail(`block size 2^${10 + logBlockSize} is beyond ext4's 64 KiB`);
  const blockSize = 1024 << logBlockSize;
  const is64bit = (u32le(sb, 0x60) & INCOMPAT_64BIT) !== 0;
  const high = is64bit ? BigInt(u32le(sb, 0x150)) << 32n : 0n;
  const blockCount = high | BigInt(u32le(sb, 0x04));
  return { blockSize, blockCount, size: blockCount * BigInt(blockSize), volumeName: cString(sb, 0x78, 16) };
}
