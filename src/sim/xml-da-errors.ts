/**
 * How the simulated XML DA says no. `ERR!UNSUPPORTED` is the text mtkclient and penumbra handle for an unknown
 * command; the other `ERR!` texts are this simulator's, named after the SP Flash Tool status each stands for,
 * and that status name is the `<message>` of the `CMD:END` that follows (inferred: no public source lists a real
 * V6 DA's texts beyond UNSUPPORTED and "2nd DA address is invalid. reset.").
 */
export const XML_DA_ERRORS = {
  unsupported: { text: 'UNSUPPORTED', status: 'STATUS_UNSUPPORT_CMD' },
  invalidParameters: { text: 'INVALID-PARAMETERS', status: 'STATUS_INVALID_PARAMETERS' },
  protocol: { text: 'PROTOCOL', status: 'STATUS_PROTOCOL_ERR' },
  exceedRange: { text: 'EXCEED-AVAILABLE-RANGE', status: 'STATUS_EXCEED_AVAILABLE_RANGE' },
  partitionNotFound: { text: 'PARTITION-NOT-FOUND', status: 'STATUS_PARTITION_NOT_FOUND' },
  unknownSection: { text: 'UNKNOWN-STORAGE-SECTION-TYPE', status: 'STATUS_UNKNOWN_STORAGE_SECTION_TYPE' },
  checksum: { text: 'CHECKSUM', status: 'STATUS_CHECKSUM_ERR' },
  hashMismatch: { text: 'DA-HASH-MISMATCH', status: 'STATUS_DA_HASH_MISMATCH' },
  dram: { text: 'EXT-RAM-EXCEPTION', status: 'STATUS_EXT_RAM_EXCEPTION' },
  slaRequired: { text: 'SEC-DL-FORBIDDEN', status: 'STATUS_SEC_DL_FORBIDDEN' },
} as const;

export type XmlDaError = (typeof XML_DA_ERRORS)[keyof typeof XML_DA_ERRORS];

/** the CMD:END result a real XML DA1 gives for BOOT-TO at the wrong address, after which it resets (mtkclient) */
export const DA2_ADDRESS_INVALID = '2nd DA address is invalid. reset.\r\n';

/** A refusal: `told` when the DA already sent its `ERR!` text (in place of a data packet's OK). */
export class XmlDaRefusal extends Error {
  constructor(
    readonly error: XmlDaError,
    readonly told = false,
  ) {
    super(error.status);
    this.name = 'XmlDaRefusal';
  }
}
