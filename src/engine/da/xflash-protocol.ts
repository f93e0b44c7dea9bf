/** XFlash (V5) DA protocol constants, reference §4.2 and §4.4 (mtkclient `xflash_param.py`, SPFT `mtk_status.h`). */

export const XFLASH_MAGIC = 0xfeeeeeef;
export const FRAME_HEADER_SIZE = 12;
export const DataType = { protocolFlow: 1, message: 2 } as const;
/** sent raw by DA1 right after JUMP_DA */
export const DA_SYNC_BYTE = 0xc0;

export const Cmd = {
  DOWNLOAD: 0x010001,
  UPLOAD: 0x010002,
  FORMAT: 0x010003,
  WRITE_DATA: 0x010004,
  READ_DATA: 0x010005,
  FORMAT_PARTITION: 0x010006,
  SHUTDOWN: 0x010007,
  BOOT_TO: 0x010008,
  DEVICE_CTRL: 0x010009,
  INIT_EXT_RAM: 0x01000a,
  SWITCH_USB_SPEED: 0x01000b,
  SETUP_ENVIRONMENT: 0x010100,
  SETUP_HW_INIT_PARAMS: 0x010101,
  /** "SYNC" as a little-endian u32 */
  SYNC_SIGNAL: 0x434e5953,
} as const;

/** DEVICE_CTRL control codes */
export const Ctrl = {
  SET_BATTERY_OPT: 0x020002,
  SET_CHECKSUM_LEVEL: 0x020003,
  SET_RESET_KEY: 0x020004,
  /** DA-level SLA: the OAEP-encrypted answer to GET_DEV_FW_INFO's random bytes */
  SET_REMOTE_SEC_POLICY: 0x02000b,
  GET_EMMC_INFO: 0x040001,
  GET_NAND_INFO: 0x040002,
  GET_NOR_INFO: 0x040003,
  GET_UFS_INFO: 0x040004,
  GET_DA_VERSION: 0x040005,
  GET_PACKET_LENGTH: 0x040007,
  GET_RANDOM_ID: 0x040008,
  GET_PARTITION_TBL_CATA: 0x040009,
  GET_CONNECTION_AGENT: 0x04000a,
  GET_USB_SPEED: 0x04000b,
  GET_RAM_INFO: 0x04000c,
  GET_CHIP_ID: 0x04000d,
  GET_EXPIRE_DATE: 0x040011,
  GET_DEV_FW_INFO: 0x040013,
  SLA_ENABLED_STATUS: 0x040016,
} as const;

export const Status = {
  OK: 0,
  ERR: 0xc0010001,
  SEC_DL_FORBIDDEN: 0xc0020004,
  SEC_AUTH_FILE_NEEDED: 0xc0030012,
  UNSUPPORT_CMD: 0xc0010003,
  UNSUPPORT_CTRL_CODE: 0xc0010004,
  PROTOCOL_ERR: 0xc0010005,
  EMI_HDR_INVALID: 0xc0030005,
  INVALID_PARAMETERS: 0xc0030007,
  UNKNOWN_STORAGE_SECTION_TYPE: 0xc003000c,
  CHECKSUM_ERR: 0xc0040003,
  EXCEED_AVAILABLE_RANGE: 0xc004000b,
  UNKNOWN_STORAGE_TYPE: 0xc0040009,
  EMI_SETTING_VERSION_ERROR: 0xc0040050,
  EXT_RAM_EXCEPTION: 0xc0050005,
  DA_HASH_MISMATCH: 0xc0070004,
  CONTINUE: 0x40040004,
  COMPLETE: 0x40040005,
} as const;

/** XFlash `storage` field (§4.2) */
export const StorageCode = { emmc: 0x01, ufs: 0x30 } as const;
/** partition (section) codes per storage (§4.2) */
export const SectionCode = {
  emmc: { boot1: 1, boot2: 2, user: 8 },
  ufs: { boot1: 1, boot2: 2, user: 3 },
} as const;

export const PartitionTableKind = { gpt: 0x64, pmt: 0x65 } as const;

/** SET_CHECKSUM_LEVEL values (SPFT `common_struct.h`): bit0 USB, bit1 storage */
export const ChecksumLevel = { none: 0, usb: 1, storage: 2, usbStorage: 3 } as const;

/** WRITE_DATA/READ_DATA/FORMAT parameter block: storage, section, address, length, 8 × u32 NAND extension */
export const RANGE_PARAM_SIZE = 4 + 4 + 8 + 8 + 8 * 4;
export const SECTOR = 512;
