/** What each romctl finding code checks, in one sentence: `romctl explain <code>` prints it. */
export const RULE_CODE_MEANINGS: Readonly<Record<string, string>> = {
  'bundle.known-good': 'the package files match a bundle the registry lists as known good for the device',
  'checksum.bad-line': 'a Checksum.ini line cannot be read',
  'checksum.disabled':
    'Checksum.ini is present but switched off, so SP Flash Tool would not verify the images',
  'checksum.mismatch':
    'an image does not have the checksum its Checksum.ini records: it was changed or damaged',
  'data.erases-protected':
    'Format All would erase the partitions holding IMEI and calibration (nvram, nvdata, proinfo …) without a backup',
  'data.overwrites-protected': "the package would write its own nvram/proinfo over this phone's IMEI data",
  'data.protected-resized':
    "a protected partition has another size in the package's layout than on the phone: its backup cannot be restored",
  'data.protected-unplaceable':
    "a protected partition on the phone has no place in the package's layout: a format would lose it for good",
  'device.chip-mismatch': 'the package (or the connected phone) is for another chip than the device',
  'device.layout-changed':
    "the package's partition table differs from the device's (or the connected phone's): Download Only cannot change it",
  'device.preloader-project': "the preloader was built for another board project than the device's",
  'device.scatter-project': "the scatter names another project than the device's",
  'device.table-unreadable':
    "the phone's partition table cannot be read, so where its IMEI partitions are is unknown before a format",
  'device.storage-mismatch':
    'the package (or the connected phone) uses another storage kind (eMMC/UFS) than the device',
  'file.missing': 'an image the scatter downloads is not in the package',
  'file.name-case': 'an image is present only under another upper/lower case spelling of its name',
  'image.empty': 'an image the scatter downloads is empty',
  'image.sparse-invalid': 'a sparse image is damaged and cannot be expanded',
  'image.too-large': 'an image is larger than its partition',
  'image.type-mismatch': "an image's content does not match the type the scatter gives it",
  'image.unreadable': 'an image cannot be read from the package',
  'package.no-layout-for-storage':
    "the package's scatter has no layout for the connected phone's storage (eMMC or UFS)",
  'package.not-mtk':
    'the package is not an SP Flash Tool scatter package (Qualcomm, Samsung, fastboot or OTA)',
  'package.other-device': 'the package names another device than the one it is checked for',
  'package.platform-mismatch': 'the package is for another platform (Qualcomm/MediaTek) than the device',
  'package.unsafe': 'the archive holds entries that escape its folder or are damaged',
  'preloader.chip-mismatch': 'the preloader is built for another chip than the scatter platform',
  'preloader.coverage-compared': 'the preloader boots every memory a reference preloader boots',
  'preloader.coverage-lost': 'memories a reference preloader boots are missing from this preloader',
  'preloader.emi-no-match':
    "the preloader has no EMI record for the phone's memory: it would not boot (4032)",
  'preloader.emi-undecided':
    "whether the preloader's EMI records cover the memory cannot be decided from the data",
  'preloader.emi-version':
    "the preloader's EMI table version is unusual for its chip: it may be for another chip",
  'preloader.invalid-gfh': 'the preloader file has no valid GFH header: the boot ROM would not load it',
  'preloader.name-mismatch': 'the preloader file name differs from the name built into it',
  'preloader.no-bloader-info': 'the preloader carries no MTK_BLOADER_INFO (EMI) block (5054)',
  'scatter.storage-layout':
    "which of a multi-storage scatter's layouts (eMMC, UFS) a phone with the given memory is flashed with",
  'scatter.duplicate-name': 'two scatter entries have the same partition name',
  'scatter.entry-skipped': 'a broken scatter entry that is not downloaded was left out',
  'scatter.misaligned': 'a partition does not start or end on a sector boundary',
  'scatter.overlap': 'two partitions overlap',
  'scatter.reserved-range': 'a reserved (end-relative) entry is odd',
  'scatter.unordered': 'partitions are not in address order',
  'security.auth-needed': 'the phone has SLA/DAA on: its boot ROM accepts a DA only after authentication',
  'security.da-signature': 'the phone has secure boot on and the DA is unsigned',
  'da.protocol-unsupported':
    "the DA file's entry is for a chip romctl's chip table does not know, so its protocol is unknown and nothing is sent to the phone",
};
