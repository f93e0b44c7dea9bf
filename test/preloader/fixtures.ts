import type { BuildEmiRecord, BuildPreloaderOptions } from '../../src/formats/preloader/index.js';

const G = 1n << 30n;

/** nikel-like v00 MT6797 table: discrete LPDDR3 records told apart by MR5 vendor id and rank sizes */
export const nikelRecords: BuildEmiRecord[] = [
  { package: 'discrete', dram: 'LPDDR3', dramVendorId: 0x06, rankSizes: [G, G] },
  { package: 'discrete', dram: 'LPDDR3', dramVendorId: 0x01, rankSizes: [0x60000000n, 0x60000000n] },
  { package: 'discrete', dram: 'LPDDR3', dramVendorId: 0xff, rankSizes: [2n * G, 2n * G] },
];

export const nikel: BuildPreloaderOptions = {
  fileName: 'preloader_nikel.bin',
  platform: 'MT6797',
  bloaderVersion: 0,
  records: nikelRecords,
};

/** an MT6765-style v35 table of eMMC-MCP records */
export const mcp: BuildPreloaderOptions = {
  fileName: 'preloader_k62v1_64_bsp.bin',
  platform: 'MT6765',
  bloaderVersion: 35,
  records: [
    {
      package: 'emmc-mcp',
      dram: 'LPDDR3',
      id: '90014a484247346132',
      rankSizes: [2n * G, G],
      dramVendorId: 6,
    },
    { package: 'emmc-mcp', dram: 'LPDDR3', id: '150100474436424d42', fwId: '01', rankSizes: [G, G] },
    {
      package: 'ufs',
      dram: 'LPDDR4X',
      id: Buffer.from('KM2V8001CM-B707').toString('hex'),
      rankSizes: [4n * G, 2n * G],
    },
  ],
};
