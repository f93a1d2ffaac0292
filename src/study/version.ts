// the package version (read once from package.json)
import { readFileSync } from 'node:fs';

let cached: string | null = null;

export function pairbenchVersion(): string {
  if (cached === null) {
    try {
      // dist/src/study/version.js -> package.json
      cached = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    } catch {
      cached = 'unknown';
    }
  }
  return cached;
}
