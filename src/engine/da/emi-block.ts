import { ExitCode, RomctlError } from '../../errors.js';
import { parsePreloader } from '../../formats/preloader/index.js';
import type { BloaderInfo } from '../../formats/preloader/index.js';

const RECORDS_AT = 0x70;

/**
 * The bytes the host uploads with XFlash INIT_EXT_RAM: the whole `MTK_BLOADER_INFO_vNN` block (header + EMI
 * records) from the package's own preloader (reference §4.4 step 7, §5.4).
 */
export function emiBlockFromPreloader(
  preloader: Uint8Array,
  fileName?: string,
): { block: Uint8Array; bloader: BloaderInfo } {
  const info = parsePreloader(preloader, { fileName });
  const bloader = info.bloader;
  if (!bloader || bloader.recordSize === null || bloader.recordCount === 0) {
    throw new RomctlError('the preloader has no readable MTK_BLOADER_INFO block to send to the DA', {
      exitCode: ExitCode.refused,
      where: fileName,
      hint: 'take the preloader from the original firmware package (S_DL_GET_DRAM_SETTING_FAIL 5054 otherwise)',
    });
  }
  const length = RECORDS_AT + bloader.recordCount * bloader.recordSize;
  if (bloader.offset + length <= preloader.length)
    return { block: preloader.subarray(bloader.offset, bloader.offset + length), bloader };
  // a block that names more records than the file holds: the DA gets the records the check judged, no more
  const present = Math.floor((preloader.length - bloader.offset - RECORDS_AT) / bloader.recordSize);
  if (present <= 0) {
    throw new RomctlError('the MTK_BLOADER_INFO block runs past the end of the preloader', {
      exitCode: ExitCode.refused,
      where: fileName,
      hint: 'the preloader file is cut short: take it from the original firmware package',
    });
  }
  const block = Uint8Array.from(
    preloader.subarray(bloader.offset, bloader.offset + RECORDS_AT + present * bloader.recordSize),
  );
  new DataView(block.buffer).setUint32(RECORDS_AT - 4, present, true);
  return { block, bloader };
}
