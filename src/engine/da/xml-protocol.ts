/**
 * XML (V6) DA protocol constants, reference §4.5 (mtkclient `xmlflash/xml_cmd.py`, `xml_lib.py`, `xml_param.py`;
 * penumbra `da/xml`). The framing is XFlash's (xflash-protocol.ts): a DT_PROTOCOL_FLOW frame carries a
 * NUL-terminated text (a document or a short reply) or raw data; DT_MESSAGE frames are the DA's log.
 */
import type { Section, StorageKind } from './xflash-info.js';

/** commands the host sends (`<command>CMD:…</command>`) */
export const XmlCmd = {
  SET_RUNTIME_PARAMETER: 'SET-RUNTIME-PARAMETER',
  HOST_SUPPORTED_COMMANDS: 'HOST-SUPPORTED-COMMANDS',
  NOTIFY_INIT_HW: 'NOTIFY-INIT-HW',
  SET_HOST_INFO: 'SET-HOST-INFO',
  BOOT_TO: 'BOOT-TO',
  GET_SYS_PROPERTY: 'GET-SYS-PROPERTY',
  SECURITY_GET_DEV_FW_INFO: 'SECURITY-GET-DEV-FW-INFO',
  SECURITY_SET_FLASH_POLICY: 'SECURITY-SET-FLASH-POLICY',
  GET_HW_INFO: 'GET-HW-INFO',
  WRITE_FLASH: 'WRITE-FLASH',
  READ_FLASH: 'READ-FLASH',
  ERASE_FLASH: 'ERASE-FLASH',
  SET_BOOT_MODE: 'SET-BOOT-MODE',
  REBOOT: 'REBOOT',
} as const;

/** documents the DA sends (`<host>…<command>CMD:…</command>`) */
export const DaCmd = {
  START: 'CMD:START',
  END: 'CMD:END',
  DOWNLOAD_FILE: 'CMD:DOWNLOAD-FILE',
  UPLOAD_FILE: 'CMD:UPLOAD-FILE',
  FILE_SYS_OPERATION: 'CMD:FILE-SYS-OPERATION',
  PROGRESS_REPORT: 'CMD:PROGRESS-REPORT',
} as const;

/** the sub-exchanges this host can serve, as mtkclient and penumbra announce them */
export const HOST_CAPABILITY =
  'CMD:DOWNLOAD-FILE^1@CMD:FILE-SYS-OPERATION^1@CMD:PROGRESS-REPORT^1@CMD:UPLOAD-FILE^1@';

export const Reply = {
  OK: 'OK',
  /** the end of a progress stream */
  EOT: 'OK!EOT',
  /** a progress line: `OK!PROGRESS@<percent>` (penumbra) */
  PROGRESS_PREFIX: 'OK!PROGRESS@',
  ERROR_PREFIX: 'ERR!',
  UNSUPPORTED: 'ERR!UNSUPPORTED',
} as const;

/** the CMD:END result of a BOOT-TO at the wrong address, after which DA1 resets (mtkclient `send_command`) */
export const DA_RESET_RESULT = '2nd DA address is invalid. reset.';

/** `<checksum>` of a DOWNLOAD-FILE/UPLOAD-FILE request when the runtime checksum level is NONE */
export const NO_CHECKSUM = 'CHK_NO';

/** SET-RUNTIME-PARAMETER `<checksum_level>` values (mtkclient `ChecksumAlgorithm`) */
export const ChecksumLevelName = {
  none: 'NONE',
  usb: 'USB',
  storage: 'STORAGE',
  usbStorage: 'USB-STORAGE',
} as const;

/** the partition (area) names WRITE-FLASH/READ-FLASH/ERASE-FLASH take, per storage (mtkclient `storage.py`) */
export const AREA_NAMES: Record<StorageKind, Record<Section, string>> = {
  emmc: { user: 'EMMC-USER', boot1: 'EMMC-BOOT1', boot2: 'EMMC-BOOT2' },
  ufs: { user: 'UFS-LUA2', boot1: 'UFS-LUA0', boot2: 'UFS-LUA1' },
};

/** GET-SYS-PROPERTY key whose value says whether DA-level SLA is on (`DISABLED` when off) */
export const SLA_PROPERTY = 'DA.SLA';

/** virtual host file names: the DA only echoes them (reference §4.5) */
export const memFile = (length: bigint | number) => `MEM://0x0:0x${length.toString(16)}`;
/** the target name mtkclient gives READ-FLASH */
export const READ_TARGET = 'ROM_0';
