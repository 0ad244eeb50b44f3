/** Shared pieces of the Fluent Bit sidecar's modules. */
import { isPlainMap } from '../../core/prop-types';

export const CONFIG_DIR = '/etc/cdk-sidecars/fluent-bit';
export const STATE_DIR = '/var/lib/fluent-bit';

/** The entries of a map option; a value that is not a map has none (the sidecar's type check names it). */
export function mapEntries(map: { [key: string]: string } | undefined): Array<[string, string]> {
  return isPlainMap(map) ? Object.entries(map) as Array<[string, string]> : [];
}

export function onOff(b: boolean): string {
  return b ? 'on' : 'off';
}
