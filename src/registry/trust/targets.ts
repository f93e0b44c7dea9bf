/** The signed name of a firmware file of a bundle: what `fetch` looks up before it trusts a download. */
export function firmwareTarget(codename: string, bundleId: string, fileName: string): string {
  return `firmware/${codename}/${bundleId}/${fileName}`;
}
