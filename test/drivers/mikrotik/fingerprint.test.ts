// MikroTik recognition from what discovery sees, and no claims on other vendors' probes.
import { expect } from 'chai';
import { matchMikrotik, REST_REQUEST } from '../../../drivers/mikrotik/fingerprint.js';
import type { HttpProbe, Probe } from '../../../drivers/types.js';

const WEBFIG: HttpProbe = { port: 80, status: 200, headers: { 'content-type': 'text/html' }, body: '<html><head><title>RouterOS router configuration page</title></head></html>' };
const REST401: HttpProbe = { port: 80, status: 401, headers: { 'www-authenticate': 'Basic realm="RouterOS"' }, body: '{"error":401,"message":"Unauthorized"}' };
const probe = (http: HttpProbe | undefined, rest?: HttpProbe): Probe => ({ host: '127.0.87.103', http, extra: rest ? { [REST_REQUEST.id]: rest } : {} });

describe('mikrotik fingerprint', () => {
  it('WebFig title plus the REST challenge is a near-certain match', () => {
    const m = matchMikrotik(probe(WEBFIG, REST401));
    expect(m?.family).to.equal('mikrotik');
    expect(m!.confidence).to.be.at.least(0.95);
  });

  it('either strong signal alone is a match', () => {
    expect(matchMikrotik(probe(WEBFIG))!.confidence).to.be.at.least(0.8);
    expect(matchMikrotik(probe(undefined, REST401))!.confidence).to.be.at.least(0.8);
  });

  it('a bare Basic challenge under /rest (other vendors, proxies) is no match', () => {
    const other: HttpProbe = { port: 80, status: 401, headers: { 'www-authenticate': 'Basic realm="Login"' }, body: '<html>401</html>' };
    expect(matchMikrotik(probe({ port: 80, status: 200, headers: {}, body: '<title>LuCI</title>' }, other))).to.equal(null);
  });

  it('OpenWrt and Keenetic landing pages are not claimed', () => {
    const luci: HttpProbe = { port: 80, status: 200, headers: {}, body: '<html><head><title>OpenWrt - LuCI</title></head></html>' };
    const keenetic: HttpProbe = { port: 80, status: 401, headers: { 'x-ndm-realm': 'Keenetic Hopper', 'x-ndm-challenge': 'ABCDEFGHIJKL' }, body: '' };
    expect(matchMikrotik(probe(luci, { port: 80, status: 404, headers: {}, body: 'Not Found' }))).to.equal(null);
    expect(matchMikrotik(probe(keenetic, { port: 80, status: 404, headers: {}, body: '' }))).to.equal(null);
  });

  it('a version in the WebFig page is reported as firmware (format UNVERIFIED)', () => {
    const m = matchMikrotik(probe({ ...WEBFIG, body: WEBFIG.body + '<h1>RouterOS v7.19.1</h1>' }));
    expect(m?.firmware).to.equal('7.19.1');
  });
});
