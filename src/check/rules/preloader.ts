import { posix } from 'node:path';
import { ARM_BL } from '../../formats/preloader/gfh.js';
import { preloaderPlatform, samePlatformFamily } from '../../knowledge/preloader-chip.js';
import type { PreloaderFacts } from '../facts.js';
import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';
import { finding } from '../rule.js';
import { bloaderVersionFits } from '../bloader-eras.js';

const INVALID_SYMPTOMS = ['S_DL_PC_BL_INVALID_GFH_FILE_INFO (5066)', 'STATUS_PRELOADER_INVALID (0xC0030004)'];

function structure(
  preloader: PreloaderFacts,
  scatterFileName: string | null,
  platform: string | null,
): Finding[] {
  const subject = { file: preloader.path, partition: 'preloader' };
  const invalid = (message: string) => [
    finding(
      'preloader.invalid-gfh',
      'error',
      message,
      subject,
      'this is not a usable preloader: take the preloader from the original package for this phone',
      INVALID_SYMPTOMS,
    ),
  ];
  const info = preloader.info;
  if (!info) return invalid(`not a readable preloader: ${preloader.error ?? 'unknown reason'}`);
  if (!info.gfh) return invalid('no GFH FILE_INFO header: SP Flash Tool and the BROM reject it');
  const fileInfo = info.gfh.fileInfo;
  if (fileInfo.fileType !== ARM_BL) {
    return invalid(`GFH file type is ${fileInfo.fileTypeName} (${fileInfo.fileType}), a preloader is ARM_BL`);
  }
  if (info.gfh.offset + fileInfo.fileLength > Number(preloader.size)) {
    return invalid(
      `GFH file length 0x${fileInfo.fileLength.toString(16)} runs past the end of the ` +
        `${preloader.size}-byte file: it is truncated`,
    );
  }
  const findings: Finding[] = [];
  const bloader = info.bloader;
  if (!bloader) {
    findings.push(
      finding(
        'preloader.no-bloader-info',
        'error',
        'the preloader carries no MTK_BLOADER_INFO (EMI/DRAM settings): the tool cannot set up the phone’s RAM',
        subject,
        'take the preloader from the original package for this phone',
        ['S_DL_GET_DRAM_SETTING_FAIL (5054)'],
      ),
    );
    return findings;
  }
  const embedded = posix.basename(bloader.fileName);
  if (
    scatterFileName !== null &&
    embedded !== '' &&
    embedded.toLowerCase() !== scatterFileName.toLowerCase()
  ) {
    findings.push(
      finding(
        'preloader.name-mismatch',
        'warning',
        `the preloader calls itself ${embedded} but the scatter names ${scatterFileName}: it may come from ` +
          'another build',
        subject,
        'make sure the preloader comes from the same firmware release as the scatter',
      ),
    );
  }
  const builtFor = platform === null ? null : preloaderPlatform(info, platform);
  if (platform !== null && builtFor !== null && !samePlatformFamily(builtFor, platform)) {
    findings.push(
      finding(
        'preloader.chip-mismatch',
        'error',
        `the preloader is built for ${builtFor}, the scatter is for ${platform}: the phone will not start it`,
        subject,
        'use the preloader from a package for this exact phone and chip',
        ['S_BROM_BBCHIP_HW_VER_INCORRECT (2021)', 'dead phone: BROM only, "MTK USB Port" 0e8d:0003'],
      ),
    );
    return findings;
  }
  const era = bloaderVersionFits(platform, bloader.version);
  if (era.fits === false) {
    findings.push(
      finding(
        'preloader.emi-version',
        'warning',
        `EMI table v${String(bloader.version).padStart(2, '0')} is unusual for ${platform}: its preloaders ` +
          `carry v${era.seen.map((v) => String(v).padStart(2, '0')).join('/v')} — this preloader was probably built ` +
          'for another chip',
        subject,
        'use the preloader from a package for this exact phone',
        ['S_BROM_BBCHIP_HW_VER_INCORRECT (2021)', 'BROM only (0e8d:0003)'],
      ),
    );
  }
  return findings;
}

/** The package's preloader is a valid ARM_BL GFH image with an EMI table that belongs to this build and chip. */
export const preloaderRule: Rule = {
  name: 'preloader',
  codes: [
    'preloader.invalid-gfh',
    'preloader.chip-mismatch',
    'preloader.no-bloader-info',
    'preloader.name-mismatch',
    'preloader.emi-version',
  ],
  check(facts) {
    const platform = facts.scatter?.model.platform ?? null;
    return [...facts.preloaders.values()].flatMap((preloader) => {
      const entry = facts.files.find((file) => file.path === preloader.path);
      const scatterName = entry?.partition.fileNameImplied ? null : (entry?.partition.fileName ?? null);
      return structure(preloader, scatterName === null ? null : posix.basename(scatterName), platform);
    });
  },
};
