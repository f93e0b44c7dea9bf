import { ExitCode, RomctlError } from '../../errors.js';
import { ERROR_ENTRIES } from '../../knowledge/errors.data.js';

let names: Map<number, { name: string; remedy: string }> | null = null;

function known(code: number): { name: string; remedy: string } | undefined {
  names ??= new Map(
    ERROR_ENTRIES.filter((e) => e.numbers.da !== undefined).map((e) => [e.numbers.da as number, e] as const),
  );
  return names.get(code);
}

export function formatStatus(code: number): string {
  const hex = `0x${code.toString(16).toUpperCase().padStart(8, '0')}`;
  const name = known(code)?.name;
  return name ? `${name} (${hex})` : hex;
}

/** A DA that answered a step with a non-OK status: exit code 4, the status name, and the knowledge base's remedy. */
export class DaStatusError extends RomctlError {
  constructor(
    readonly status: number,
    readonly step: string,
    where: string,
    hint?: string,
  ) {
    super(`DA refused ${step}: ${formatStatus(status)}`, {
      exitCode: ExitCode.device,
      where,
      hint: hint ?? known(status)?.remedy ?? 'see romctl explain for this status',
    });
    this.name = 'DaStatusError';
  }
}
