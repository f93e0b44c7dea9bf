import { RomctlError } from '../../errors.js';
import { parseMemorySpec, type MemorySpec } from '../../formats/preloader/index.js';
import { readUserFile } from '../input.js';

/** `check --probe probe.json`: the memory the probed phone reported, as the preloader EMI rule takes it */
export async function memoryFromProbe(path: string): Promise<{ label: string; spec: MemorySpec }> {
  const fail = (message: string, hint: string) => new RomctlError(message, { where: path, hint });
  let probe: { redacted?: unknown; storage?: { kind?: unknown; id?: unknown; idPrefix?: unknown } | null };
  try {
    probe = JSON.parse((await readUserFile(path, 'probe file')).toString('utf8')) as typeof probe;
  } catch (error) {
    if (error instanceof RomctlError) throw error;
    throw fail('not a JSON document', 'give the output of romctl probe --json');
  }
  const storage = probe?.storage;
  if (!storage || (storage.kind !== 'emmc' && storage.kind !== 'ufs')) {
    throw fail(
      'the probe holds no storage id (the phone was in BROM mode without --preloader, or this is not a probe)',
      'probe the phone in preloader mode, or with --preloader, and use its --json output',
    );
  }
  const id = probe.redacted === true ? storage.idPrefix : storage.id;
  if (typeof id !== 'string' || !/^[0-9a-f]+$/.test(id))
    throw fail('the probe’s storage id is not hex', 'give the output of romctl probe --json');
  return { label: `--probe ${path}`, spec: parseMemorySpec(`${storage.kind}:${id}`) };
}
