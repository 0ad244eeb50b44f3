import { readFileSync } from 'fs';
import { join } from 'path';

let cached: string | undefined;

/** The version of this library, recorded in the annotations of injected pods. */
export function libraryVersion(): string {
  if (cached === undefined) {
    // lib/k8s/version.js and src/k8s/version.ts both sit two levels below package.json.
    cached = String(JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf-8')).version);
  }
  return cached;
}
