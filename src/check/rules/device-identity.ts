import { describeClaimed } from '../../package/index.js';
import type { DeviceFacts, PackageFacts } from '../facts.js';
import type { Rule } from '../rule.js';
import { finding } from '../rule.js';

/** every name the device is known by: codename, aliases, and (for a scatter's `project`) its MTK board projects */
function namesOf(device: DeviceFacts): Set<string> {
  return new Set(
    [device.codename, ...device.aliases, ...device.preloaderProjects].map((n) => n.toLowerCase()),
  );
}

function deviceWords(device: DeviceFacts): string {
  const platform =
    device.platform === 'mtk' ? 'MediaTek' : device.platform === 'qualcomm' ? 'Qualcomm' : device.platform;
  return `${device.codename} (${[platform, device.chip].filter(Boolean).join(' ')})`;
}

function otherDevice(facts: PackageFacts, device: DeviceFacts) {
  const claims = facts.identity.claims;
  const names = namesOf(device);
  if (claims.length === 0 || claims.some((claim) => names.has(claim.codename))) return [];
  return [
    finding(
      'package.other-device',
      'error',
      `this package is for ${describeClaimed(facts.identity)}, not ${deviceWords(device)}: ` +
        claims.map((claim) => claim.source).join('; '),
      { file: facts.path },
      `get the package made for ${device.codename} (romctl info ${device.codename}); another phone's package ` +
        'bricks this one, from recovery as much as from a flash tool',
      ['phone stuck at the logo or in BROM mode (0e8d:0003) after installing it'],
    ),
  ];
}

function otherProject(facts: PackageFacts, device: DeviceFacts) {
  const project = facts.scatter?.model.project;
  if (!project || device.preloaderProjects.length === 0 || namesOf(device).has(project.toLowerCase()))
    return [];
  return [
    finding(
      'device.scatter-project',
      'error',
      `the scatter is for project ${project}, ${device.codename} is built as ` +
        `${[device.codename, ...device.preloaderProjects].join(' or ')}`,
      { file: facts.scatter?.path },
      `use the SP Flash Tool package made for ${device.codename}`,
      ['S_FT_ENABLE_DRAM_FAIL (4032)', 'BROM only (MTK USB Port, 0e8d:0003)'],
    ),
  ];
}

/** The package must name this device (or nothing): its own asserts, product checks and names, its scatter project. */
export const deviceIdentityRule: Rule = {
  name: 'device identity',
  codes: ['package.other-device', 'device.scatter-project'],
  check(facts) {
    const device = facts.device;
    if (!device) return [];
    return [...otherDevice(facts, device), ...otherProject(facts, device)];
  },
};
