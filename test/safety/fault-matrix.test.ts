// The fault matrix (issue 7): every registered driver × every sync step × every fault. Outcome of
// each cell: applied and verified, or the backup restored (checked), or — router unreachable — a
// message naming the saved backup and `routerctl restore`, which the test then follows. Any other
// outcome fails the test. Writes docs/reliability.md (deterministic, only rewritten when it changes).
import { expect } from 'chai';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { families } from '../../drivers/index.js';
import { FAULTS } from './support/fault-proxy.js';
import { MATRIX_FAMILIES } from './support/families.js';
import { pool, runCell, STEPS, type CellResult } from './support/matrix.js';
import { reliabilityMarkdown } from './support/report.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DOC = path.join(ROOT, 'docs', 'reliability.md');
const CONCURRENCY = Number(process.env['ROUTERCTL_MATRIX_CONCURRENCY'] ?? 16);

describe('fault matrix: every driver × every sync step × every fault', function () {
  this.timeout(85_000);
  let cells: CellResult[] = [];

  it('every registered family has a fault-matrix adapter', () => {
    for (const f of families) expect(MATRIX_FAMILIES, `no fault-matrix entry for ${f.driver.family} in test/safety/support/families.ts`).to.have.property(f.driver.family);
  });

  it('nothing is lost or half-applied without telling the user; docs/reliability.md is up to date', async () => {
    const tasks: (() => Promise<CellResult>)[] = [];
    let i = 0;
    for (const entry of families) {
      const adapter = MATRIX_FAMILIES[entry.driver.family]!;
      for (const fault of FAULTS) {
        for (const step of STEPS) {
          const n = i++;
          const host = `127.0.${80 + Math.floor(n / 200)}.${(n % 200) + 20}`;
          tasks.push(() => runCell(entry, adapter, fault, step, host));
        }
      }
    }
    cells = await pool(tasks, CONCURRENCY);
    const doc = reliabilityMarkdown(
      families.map((f) => f.driver.family),
      cells,
    );
    const current = await readFile(DOC, 'utf8').catch(() => '');
    if (current !== doc) await writeFile(DOC, doc);
    const bad = cells.filter((c) => c.outcome === 'BAD').map((c) => `${c.family} ${c.fault}@${c.step}: ${c.problem ?? ''}`);
    expect(bad, bad.join('\n')).to.deep.equal([]);
    expect(cells).to.have.length(families.length * FAULTS.length * STEPS.length);
  });
});
