// Where the team's recorded router responses live: `shared/` beside the checkout (as on every
// developer machine and in CI), overridable with ROUTERCTL_SHARED_FIXTURES.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const SHARED_FIXTURES = process.env['ROUTERCTL_SHARED_FIXTURES'] ?? path.resolve(ROOT, '../shared/fixtures');

export function sharedFixture(...parts: string[]): string {
  return path.join(SHARED_FIXTURES, ...parts);
}
