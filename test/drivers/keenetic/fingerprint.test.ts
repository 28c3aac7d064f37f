import { expect } from 'chai';
import fc from 'fast-check';
import { AUTH_REQUEST, keeneticFingerprint, matchKeenetic } from '../../../drivers/keenetic/fingerprint.js';
import { keeneticDriver } from '../../../drivers/keenetic/index.js';
import type { HttpProbe, Probe } from '../../../drivers/types.js';
import { probeOf, rawHttp } from './fixtures.js';

function probe(p: Partial<Probe>): Probe {
  return { host: '127.0.0.1', extra: {}, ...p };
}

const page = (headers: Record<string, string>, body = '', status = 200): HttpProbe => ({ port: 80, status, headers, body });

const LUCI_LANDING =
  '<html><head><meta http-equiv="refresh" content="0; URL=cgi-bin/luci/" /></head>' +
  '<body><a href="cgi-bin/luci/">LuCI - Lua Configuration Interface</a></body></html>';

describe('keenetic fingerprint', () => {
  it('declares one extra request, GET /auth, and is wired into the driver', () => {
    expect(keeneticFingerprint.requests).to.deep.equal([{ id: 'keenetic-auth', method: 'GET', path: '/auth' }]);
    expect(keeneticDriver.fingerprint).to.equal(keeneticFingerprint);
    expect(keeneticDriver.family).to.equal('keenetic');
    expect(keeneticDriver.vendor).to.equal('Keenetic');
    expect(keeneticDriver.defaultUser).to.equal('admin');
  });

  it('the captured 401 challenge is a strong match, with the model from the realm', () => {
    const r = matchKeenetic(probe({ extra: { [AUTH_REQUEST.id]: probeOf(rawHttp('auth-get-401-challenge.http')) } }));
    expect(r).to.not.equal(null);
    expect(r!.family).to.equal('keenetic');
    expect(r!.model).to.equal('Keenetic Hopper');
    expect(r!.confidence).to.be.greaterThan(0.95);
    expect(r!.evidence.join(' ')).to.match(/X-NDM-Realm/).and.match(/X-Ndm-Product: Hopper/).and.match(/Server: Web server/);
  });

  it('the captured no-password 200 answer (random cookie, Web server) is a weaker match', () => {
    const r = matchKeenetic(probe({ extra: { [AUTH_REQUEST.id]: probeOf(rawHttp('auth-get-200-no-password.http')) } }));
    expect(r).to.not.equal(null);
    expect(r!.confidence).to.be.within(0.5, 0.8);
    expect(r!.model).to.equal(undefined);
  });

  it('X-Ndm-Product and Server alone never match', () => {
    const headers = { server: 'Web server', 'x-ndm-product': 'Hopper' };
    expect(matchKeenetic(probe({ http: page(headers), extra: { [AUTH_REQUEST.id]: page(headers, '', 404) } }))).to.equal(null);
  });

  it('an OpenWrt/LuCI device is not a Keenetic', () => {
    const luci = probe({
      http: page({ connection: 'Keep-Alive', 'transfer-encoding': 'chunked' }, LUCI_LANDING),
      extra: { [AUTH_REQUEST.id]: page({ connection: 'Keep-Alive' }, 'Not Found', 404) },
    });
    expect(matchKeenetic(luci)).to.equal(null);
  });

  it('generic servers and a plain 401 are not a Keenetic', () => {
    expect(matchKeenetic(probe({ http: page({ server: 'nginx/1.24.0' }, '<html>Welcome to nginx</html>') }))).to.equal(null);
    expect(matchKeenetic(probe({ extra: { [AUTH_REQUEST.id]: page({ server: 'lighttpd', 'www-authenticate': 'Basic realm="router"' }, '', 401) } }))).to.equal(
      null,
    );
    // Realm without a challenge, or a challenge with control characters, is not the pair.
    expect(matchKeenetic(probe({ extra: { [AUTH_REQUEST.id]: page({ 'x-ndm-realm': 'x' }, '', 401) } }))).to.equal(null);
    expect(matchKeenetic(probe({}))).to.equal(null);
  });

  it('never throws on arbitrary probes', () => {
    const headers = fc.dictionary(fc.constantFrom('server', 'x-ndm-realm', 'x-ndm-challenge', 'x-ndm-product', 'set-cookie', 'www-authenticate', 'x'), fc.string());
    const http = fc.option(fc.record({ port: fc.nat(), status: fc.integer({ min: 0, max: 999 }), headers, body: fc.string() }), { nil: undefined });
    fc.assert(
      fc.property(http, http, (a, b) => {
        const r = matchKeenetic(probe({ http: a, extra: { [AUTH_REQUEST.id]: b } }));
        if (r) expect(r.confidence).to.be.within(0, 1);
      }),
      { numRuns: 500 },
    );
  });
});
