/**
 * The data documents the simulated XML DA uploads to the host, shaped as mtkclient's traces of real V6 DAs show
 * them (`xml_cmd.py`, `xml_lib.py`): hardware info, DA info, a system property, the SLA challenge and the
 * partition table.
 */
import type { DaStorage } from './da-phone.js';

const hex = (n: number | bigint) => `0x${n.toString(16)}`;
const hexBytes = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex').toUpperCase();

function xmlDocument(root: string, body: string, attributes = ''): string {
  return `<?xml version="1.0" encoding="utf-8"?><${root}${attributes}>${body}</${root}>`;
}

/** `<da_hw_info>` version 1.2: RAM size, storage type, then the eMMC or UFS block with sizes and ids */
export function hwInfoDocument(storage: DaStorage, ramSize: bigint, randomId: Uint8Array): string {
  const id = storage.id.toUpperCase();
  const block = `<block_size>${hex(storage.blockSize)}</block_size>`;
  const section =
    storage.kind === 'emmc'
      ? `<emmc>${block}<boot1_size>${hex(storage.size('boot1'))}</boot1_size>` +
        `<boot2_size>${hex(storage.size('boot2'))}</boot2_size><rpmb_size>0x0</rpmb_size>` +
        `<user_size>${hex(storage.size('user'))}</user_size><gp1_size>0</gp1_size><gp2_size>0</gp2_size>` +
        `<gp3_size>0</gp3_size><gp4_size>0</gp4_size><id>${id}</id></emmc>`
      : `<ufs>${block}<lua0_size>${hex(storage.size('boot1'))}</lua0_size>` +
        `<lua1_size>${hex(storage.size('boot2'))}</lua1_size><lua2_size>${hex(storage.size('user'))}</lua2_size>` +
        `<lua3_size>0</lua3_size><id>${id}</id>` +
        `<ufs_cid>${id}</ufs_cid><ufs_fwver>${storage.firmwareVersion.toUpperCase()}</ufs_fwver></ufs>`;
  return xmlDocument(
    'da_hw_info',
    `<version>1.2</version><ram_size>${hex(ramSize)}</ram_size><battery_voltage>3810</battery_voltage>` +
      `<random_id>${hexBytes(randomId).toLowerCase()}</random_id><storage>${storage.kind.toUpperCase()}</storage>` +
      `${section}<product_id></product_id>`,
  );
}

export function daInfoDocument(version: string, stage: 1 | 2): string {
  return xmlDocument(
    'da_info',
    `<version>1.0</version><da_version>${version}</da_version><build>stage ${stage}</build>`,
  );
}

/** mtkclient reads the value after `item key=` */
export function sysPropertyDocument(key: string, value: string): string {
  return xmlDocument('sys_property', `<item key="${key}">${value}</item>`);
}

/** SECURITY-GET-DEV-FW-INFO: mtkclient/penumbra read `<rnd>`, `<hrid>` and `<socid>` (hex) */
export function slaInfoDocument(rnd: Uint8Array, hrid: Uint8Array, socId: Uint8Array): string {
  return xmlDocument(
    'sla',
    `<rnd>${hexBytes(rnd)}</rnd><hrid>${hexBytes(hrid)}</hrid><socid>${hexBytes(socId)}</socid>`,
    ' version="1.0"',
  );
}

/** READ-PARTITION-TABLE: one `<pt>` per GPT entry, byte start and size */
export function partitionTableDocument(
  partitions: ReadonlyArray<{ name: string; start: bigint; size: bigint }>,
): string {
  const body = partitions
    .map((p) => `<pt><name>${p.name}</name><start>${hex(p.start)}</start><size>${hex(p.size)}</size></pt>`)
    .join('');
  return xmlDocument('partition_table', body, ' version="1.0"');
}
