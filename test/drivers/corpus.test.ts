// The fixture corpus (asusrouter's habit): recorded real router answers and the results routerctl
// must make of them. A case is one `*.expected.json` under test/fixtures/<family>/<model>_<firmware>/:
//   { "kind": "<parser kind>", "raw": "<file beside it>" | "shared:<path under ../shared/fixtures>",
//     "extract"?: "<dotted path into a recorded JSON exchange>", "expected": <result> }
// Adding a firmware means adding files; each family lists its parsers in drivers/<family>/corpus.ts.
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { families } from '../../drivers/index.js';
import { sharedFixture } from '../shared-fixtures.js';

const CORPUS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');

interface CorpusCase {
  kind: string;
  raw: string;
  extract?: string;
  expected: unknown;
}

function rawText(caseDir: string, c: CorpusCase): string {
  const file = c.raw.startsWith('shared:') ? sharedFixture(c.raw.slice('shared:'.length)) : path.join(caseDir, c.raw);
  const text = readFileSync(file, 'utf8');
  if (!c.extract) return text;
  let node: unknown = JSON.parse(text);
  for (const key of c.extract.split('.')) node = (node as Record<string, unknown>)[key];
  return typeof node === 'string' ? node : JSON.stringify(node);
}

/** JSON round trip: compares what a result says, not its prototype or undefined members. */
const plain = (v: unknown): unknown => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

for (const { driver } of families) {
  const familyDir = path.join(CORPUS, driver.family);
  const firmwares = readdirSync(familyDir, { withFileTypes: true }).filter((d) => d.isDirectory());
  describe(`fixture corpus: ${driver.family}`, () => {
    it('has cases (every family keeps recorded answers)', () => expect(firmwares.length).to.be.greaterThan(0));
    for (const firmware of firmwares) {
      const dir = path.join(familyDir, firmware.name);
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.expected.json')).sort()) {
        it(`${firmware.name}/${file.replace('.expected.json', '')}`, async () => {
          const { corpusParsers } = (await import(`../../drivers/${driver.family}/corpus.js`)) as { corpusParsers: Record<string, (raw: string) => unknown> };
          const c = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as CorpusCase;
          const parse = corpusParsers[c.kind];
          expect(parse, `no parser of kind ${c.kind} in drivers/${driver.family}/corpus.ts`).to.be.a('function');
          expect(plain(parse!(rawText(dir, c)))).to.deep.equal(c.expected);
        });
      }
    }
  });
}
