// Hostile input, property-based (fast-check): values routerctl sends to routers arrive exactly as
// given or are refused with a typed error that does not quote them; parsers fed malformed JSON, HTML,
// CLI output and HTTP replies give typed errors only — no crash, no hang, bounded output.
import { expect } from 'chai';
import fc from 'fast-check';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { checkCredentialValue as keeneticValue, isUnsafeKey } from '../../drivers/keenetic/common.js';
import { matchKeenetic } from '../../drivers/keenetic/fingerprint.js';
import * as kp from '../../drivers/keenetic/parse.js';
import { challengeHash, RciClient } from '../../drivers/keenetic/rci-client.js';
import { wanOfBackup } from '../../drivers/keenetic/settings.js';
import { checkCredentialValue as openwrtValue, sectionsOfBackup } from '../../drivers/openwrt/common.js';
import { UciScanner } from '../../drivers/openwrt/emulator/uci-model.js';
import { matchOpenWrt } from '../../drivers/openwrt/fingerprint.js';
import * as op from '../../drivers/openwrt/parse.js';
import { batchScript, hasUciForbiddenChars } from '../../drivers/openwrt/ssh-transport.js';
import { UbusClient } from '../../drivers/openwrt/ubus-client.js';
import type { Backup, Probe } from '../../drivers/types.js';
import { readBackupFile } from '../../src/core/backup-file.js';
import { RouterctlError } from '../../src/core/errors.js';
import { parseCandidate, parseHostPort } from '../../src/discovery/candidates.js';
import { TrustStore } from '../../src/transport/trust.js';

const RUNS = Number(process.env['ROUTERCTL_FC_RUNS'] ?? 150);
/** Per call: a parser must not take longer than this on inputs of a few KiB. */
const MAX_MS = 250;

/** Runs `fn`; it may return anything or throw a RouterctlError (not internal), quickly, with a bounded message. */
function typedOnly(fn: () => unknown): void {
  const t0 = performance.now();
  try {
    const out = fn();
    // Bounded output: no parser blows a small input up.
    expect(JSON.stringify(out ?? null, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)).length).to.be.lessThan(1_000_000);
  } catch (err) {
    if (!(err instanceof RouterctlError)) throw new Error(`untyped ${(err as Error)?.name ?? typeof err}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
    expect(err.code).to.not.equal('internal');
    expect(err.message.length).to.be.lessThan(2000);
  }
  expect(performance.now() - t0).to.be.lessThan(MAX_MS);
}

/** Deep nesting, big arrays, prototype keys, odd scalars: what a broken or hostile router may send. */
const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue(),
  fc.anything({ withNullPrototype: true, withObjectString: true, maxDepth: 4 }),
  fc.constantFrom(
    JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":{"x":1}}}') as unknown,
    { values: { wan: { '.type': 'interface', '.name': 'wan', proto: 'pppoe', password: ['a', 'b'] } } },
    { interface: { PPPoE0: { authentication: { password: { no: true } } } } },
    [{ status: [{ status: 'error', code: '7405600', message: 'x'.repeat(10_000) }] }],
  ),
  fc.integer({ min: 1, max: 3000 }).map((d) => {
    let v: unknown = { status: [{ status: 'error' }] };
    for (let i = 0; i < d; i++) v = i % 2 ? [v] : { interface: v };
    return v;
  }),
);

/** Text that looks almost like JSON, HTML or CLI output. */
const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 2000 }),
  fc.json().map((j) => j.slice(0, Math.max(0, j.length - 1))),
  fc.constantFrom('<html><body>Gateway busy</body></html>', '{"jsonrpc":"2.0","id":1,"result":[0,{', '\u0000\u0001\u00ff', '[' .repeat(50_000), '{"a":'.repeat(20_000)),
  fc.array(fc.tuple(fc.constantFrom('', ' ', '      '), fc.string({ maxLength: 20 }), fc.constantFrom(':', ': ', ' = ', '='), fc.string({ maxLength: 40 })), { maxLength: 60 }).map((lines) =>
    lines.map(([pad, k, sep, v]) => `${pad}${k}${sep}${v}`).join('\n'),
  ),
  fc.array(fc.tuple(fc.constantFrom('config', 'option', 'list', 'package', ''), fc.string({ maxLength: 15 }), fc.string({ maxLength: 30 })), { maxLength: 40 }).map((lines) =>
    lines.map(([kw, a, b]) => `${kw} ${a} '${b}'`).join('\n'),
  ),
);

describe('hostile input: values sent to routers', () => {
  it('OpenWrt SSH: any storable value travels through `uci batch` exactly, as one argument, never as a command', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (value) => {
        fc.pre(!hasUciForbiddenChars(value) && value !== '');
        const script = batchScript('network', [{ op: 'set', section: 'wan', option: 'password', value }]);
        const sc = new UciScanner(script);
        const args: string[] = [];
        for (let a = sc.nextArg(); a.value !== ''; a = sc.nextArg()) args.push(a.value);
        expect(args).to.deep.equal(['set', `network.wan.password=${value}`]);
        sc.skipLine();
        const rest: string[] = [];
        for (let a = sc.nextArg(); a.value !== ''; a = sc.nextArg()) rest.push(a.value);
        expect(rest).to.deep.equal(['commit', 'network']);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('a value the router cannot store is refused with a typed error that does not quote it', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 1200 }), fc.boolean(), (value, ssh) => {
        for (const check of [() => openwrtValue(value, 'password', ssh), () => keeneticValue(value, 'password')]) {
          try {
            expect(check()).to.equal(value);
          } catch (err) {
            expect(err).to.be.instanceOf(RouterctlError);
            expect((err as RouterctlError).code).to.equal('usage');
            if (value.length >= 4) expect((err as RouterctlError).message).to.not.include(value);
          }
        }
      }),
      { numRuns: RUNS },
    );
    for (const v of [undefined, null, 42, {}, ['x']]) {
      expect(() => openwrtValue(v, 'password', false)).to.throw(RouterctlError);
      expect(() => keeneticValue(v, 'username')).to.throw(RouterctlError);
    }
  });

  it('Keenetic: the login hash is 64 hex digits for any input; echoed secrets are cut out of router text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), fc.string({ maxLength: 100 }), fc.string({ maxLength: 300 }), fc.string({ maxLength: 64 }), (login, realm, password, challenge) => {
        expect(challengeHash(login, realm, password, challenge)).to.match(/^[0-9a-f]{64}$/);
      }),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(fc.string({ minLength: 6, maxLength: 40 }), fc.string({ maxLength: 200 }), fc.string({ maxLength: 200 }), (secret, before, after) => {
        const out = kp.redactSecrets(`${before}${secret}${after}"${JSON.stringify(secret)}"`, [secret]);
        expect(out).to.not.include(secret);
      }),
      { numRuns: RUNS },
    );
    expect(['__proto__', 'constructor', 'prototype'].every(isUnsafeKey)).to.equal(true);
  });
});

describe('hostile input: parsers fed malformed router output', function () {
  this.timeout(30_000);

  it('OpenWrt JSON parsers: typed errors only, quickly', () => {
    fc.assert(
      fc.property(hostileJson, fc.string({ maxLength: 20 }), (data, name) => {
        typedOnly(() => op.parseUciPackage(data));
        typedOnly(() => op.parseUciSection(name, data));
        typedOnly(() => op.parseUciChanges(data));
        typedOnly(() => op.parseInterfaceStatus(data));
        typedOnly(() => op.needsExplicitUp(data));
        typedOnly(() => op.findInDump(data, name));
        typedOnly(() => op.parseInterfaceDump(data, name));
        typedOnly(() => op.parseSystemBoard(data));
        typedOnly(() => op.parseSystemInfo(data));
        typedOnly(() => op.pickWanSection(op.parseUciPackage(data)));
        typedOnly(() => sectionsOfBackup({ family: 'openwrt', format: 1, settings: data } as Backup));
      }),
      { numRuns: RUNS },
    );
  });

  it('OpenWrt text parsers (uci export / show, JSON text): typed errors only, quickly', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        typedOnly(() => op.parseJsonText(text, 'fuzz'));
        typedOnly(() => op.parseUciExport(text));
        typedOnly(() => op.parseUciShow(text));
        typedOnly(() => op.excerpt(text));
      }),
      { numRuns: RUNS },
    );
  });

  it('Keenetic JSON parsers and RCI status trees: typed errors only, quickly', () => {
    fc.assert(
      fc.property(hostileJson, fc.string({ maxLength: 20 }), (data, name) => {
        typedOnly(() => kp.statusEntries(data));
        typedOnly(() => kp.statusError(data, 'fuzz', ['secret-value']));
        typedOnly(() => kp.parseVersion(data));
        typedOnly(() => kp.parseSystem(data));
        typedOnly(() => kp.parseInterfaceList(data));
        typedOnly(() => kp.parseInterfaceStatus(data, name));
        typedOnly(() => kp.parsePppConfig(kp.interfaceConfigOf(data, name)));
        typedOnly(() => kp.parseLog(data));
        typedOnly(() => kp.pickWan(kp.parseInterfaceList(data)));
        typedOnly(() => wanOfBackup({ family: 'keenetic', format: 1, settings: data } as Backup));
      }),
      { numRuns: RUNS },
    );
  });

  it('Keenetic text parsers (CLI show / command results, JSON text): typed errors only, quickly', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        typedOnly(() => kp.parseJsonText(text, 'fuzz'));
        typedOnly(() => kp.parseCliShow(text));
        typedOnly(() => kp.parseCliResult(text));
      }),
      { numRuns: RUNS },
    );
  });

  it('fingerprints of hostile landing pages never throw', () => {
    const probe = fc.record({
      status: fc.integer({ min: 100, max: 599 }),
      headers: fc.dictionary(fc.constantFrom('server', 'x-ndm-realm', 'www-authenticate', 'location', 'content-type', 'x-ndm-product'), fc.string({ maxLength: 80 })),
      body: hostileText,
    });
    fc.assert(
      fc.property(probe, probe, (a, b) => {
        const p: Probe = { host: '127.0.85.1', http: { port: 80, ...a }, https: undefined, extra: { 'openwrt-ubus-list': { port: 80, ...b }, 'keenetic-auth': { port: 80, ...b } } };
        typedOnly(() => matchOpenWrt(p));
        typedOnly(() => matchKeenetic(p));
      }),
      { numRuns: RUNS },
    );
  });

  it('addresses from flags and config: typed errors only', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        typedOnly(() => parseHostPort(s));
        typedOnly(() => parseCandidate(s, { http: 80, https: 443, ssh: 22 }));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('hostile input: files routerctl reads back', function () {
  this.timeout(30_000);
  let dir: string;
  before(async () => (dir = await mkdtemp(path.join(os.tmpdir(), 'rctl-fuzz-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  it('a damaged backup or trust file gives a typed error, never a crash', async () => {
    const file = path.join(dir, 'f.json');
    await fc.assert(
      fc.asyncProperty(fc.oneof(hostileText, hostileJson.map((j) => JSON.stringify(j) ?? 'null')), async (text) => {
        await writeFile(file, text);
        for (const read of [() => readBackupFile(file), () => new TrustStore(file).read()]) {
          const t0 = performance.now();
          await read().then(
            () => undefined,
            (err: unknown) => {
              if (!(err instanceof RouterctlError)) throw new Error(`untyped: ${String(err)}`);
            },
          );
          expect(performance.now() - t0).to.be.lessThan(MAX_MS * 2);
        }
      }),
      { numRuns: Math.ceil(RUNS / 3) },
    );
  });
});

describe('hostile input: HTTP replies through the real clients', function () {
  this.timeout(60_000);
  let server: http.Server;
  let reply: { status: number; headers: Record<string, string>; body: string } = { status: 200, headers: {}, body: '' };
  let base: string;

  before(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(reply.status, { 'Content-Type': 'application/json', ...reply.headers });
        res.end(reply.body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.85.2', r));
    base = `http://127.0.85.2:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const headerValue = fc.string({ maxLength: 120 }).map((s) => s.replace(/[^\x20-\x7e]/g, ''));
  const answer = fc.record({
    status: fc.constantFrom(200, 200, 200, 401, 403, 404, 429, 500, 503),
    headers: fc.record({ 'set-cookie': headerValue, 'x-ndm-realm': headerValue, 'x-ndm-challenge': headerValue, 'retry-after': headerValue }, { requiredKeys: [] }),
    body: fc.oneof(
      hostileText,
      hostileJson.map((j) => JSON.stringify(j) ?? ''),
      hostileJson.map((j) => JSON.stringify({ jsonrpc: '2.0', id: 2, result: [0, j] })),
    ),
  });

  it('ubus and RCI clients turn any reply into a typed error or a value, within the deadline', async () => {
    await fc.assert(
      fc.asyncProperty(answer, async (a) => {
        reply = a;
        const t0 = Date.now();
        const ubus = new UbusClient({ baseUrl: base, timeoutMs: 400, maxResponseBytes: 1 << 20 });
        const rci = new RciClient({ baseUrl: base, timeoutMs: 400, maxResponseBytes: 1 << 20 });
        for (const call of [() => ubus.list(), () => ubus.login('root', 'fuzz-secret-1'), () => rci.login('admin', 'fuzz-secret-1'), () => rci.get('show/interface', { name: 'PPPoE0' })]) {
          await call().then(
            () => undefined,
            (err: unknown) => {
              if (!(err instanceof RouterctlError)) throw new Error(`untyped: ${String(err)}`);
              expect(err.code).to.not.equal('internal');
              expect(err.message + JSON.stringify(err.details)).to.not.include('fuzz-secret-1');
            },
          );
        }
        expect(Date.now() - t0).to.be.lessThan(5000);
      }),
      { numRuns: Math.ceil(RUNS / 3) },
    );
  });
});
