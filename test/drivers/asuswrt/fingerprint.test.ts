// ASUS recognition from what discovery sees (live emulators of every family through the real probe),
// and no claims on other vendors' probes.
import { expect } from 'chai';
import { LOGIN_PAGE_REQUEST, matchAsuswrt } from '../../../drivers/asuswrt/fingerprint.js';
import { startAsuswrtEmulator } from '../../../drivers/asuswrt/emulator/index.js';
import { drivers, families } from '../../../drivers/index.js';
import type { HttpProbe, Probe } from '../../../drivers/types.js';
import { fingerprintProbe } from '../../../src/discovery/discover.js';
import { planExtraRequests, probeTarget } from '../../../src/discovery/probe.js';
import { OneAccountIsp } from './support.js';

const LOGIN: HttpProbe = {
  port: 80,
  status: 200,
  headers: { server: 'httpd/2.0' },
  body: '<title>ASUS Login</title><form method="post" name="form" action="login.cgi"><input type="hidden" name="login_authorization" value="">',
};
const ROOT: HttpProbe = { port: 80, status: 200, headers: { server: 'httpd/2.0' }, body: "<script>top.location.href='/Main_Login.asp';</script>" };
const probe = (http: HttpProbe | undefined, login?: HttpProbe): Probe => ({ host: '127.0.88.20', http, extra: login ? { [LOGIN_PAGE_REQUEST.id]: login } : {} });

describe('asuswrt fingerprint', () => {
  it('the redirect at / plus the login page is a near-certain match', () => {
    const m = matchAsuswrt(probe(ROOT, LOGIN));
    expect(m?.family).to.equal('asuswrt');
    expect(m!.confidence).to.be.at.least(0.95);
    expect(m!.evidence.join(' ')).to.include('login.cgi');
  });

  it('the redirect and a httpd/2.0 Server header alone are no match (generic signals)', () => {
    expect(matchAsuswrt(probe(ROOT))).to.equal(null);
    expect(matchAsuswrt(probe({ port: 80, status: 200, headers: { server: 'httpd/2.0' }, body: '<html></html>' }, { port: 80, status: 404, headers: {}, body: '' }))).to.equal(null);
  });

  it('OpenWrt, Keenetic and MikroTik landing pages are not claimed', () => {
    const luci: HttpProbe = { port: 80, status: 200, headers: {}, body: '<html><head><title>OpenWrt - LuCI</title></head></html>' };
    const keenetic: HttpProbe = { port: 80, status: 401, headers: { 'x-ndm-realm': 'Keenetic Hopper', 'x-ndm-challenge': 'ABCDEFGHIJKL' }, body: '' };
    const webfig: HttpProbe = { port: 80, status: 200, headers: {}, body: '<title>RouterOS router configuration page</title>' };
    for (const p of [luci, keenetic, webfig]) expect(matchAsuswrt(probe(p, { port: 80, status: 404, headers: {}, body: 'Not Found' }))).to.equal(null);
  });

  it('through the real probe: every family emulator is recognised as itself, and ASUS first', async function () {
    this.timeout(20_000);
    const isp = new OneAccountIsp();
    for (const [i, entry] of families.entries()) {
      const host = `127.0.88.${30 + i}`;
      const router = await entry.startLabRouter({ host, adminPassword: 'x-admin', wan: { proto: 'pppoe', username: 'u', password: 'p' }, upstream: isp, timings: { dialMs: 30, redialMs: 60 }, withSsh: false });
      try {
        const p = await probeTarget({ host, httpPort: router.httpPort }, { timeoutMs: 1500, maxBodyBytes: 65536, extra: planExtraRequests(drivers) });
        const { matches } = fingerprintProbe(p, drivers);
        expect(matches[0]?.family, entry.driver.family).to.equal(entry.driver.family);
        const asus = matches.find((m) => m.family === 'asuswrt');
        if (entry.driver.family !== 'asuswrt') expect(asus, `asuswrt claims a ${entry.driver.family} probe`).to.equal(undefined);
        expect(router.failedLogins).to.equal(0);
      } finally {
        await router.close();
      }
    }
  });

  it('the emulator serves the signals (headers of doc §1)', async () => {
    const emu = await startAsuswrtEmulator({ host: '127.0.88.21', adminPassword: 'a', wan: { proto: 'pppoe', username: 'u', password: 'p' } });
    try {
      const p = await probeTarget({ host: '127.0.88.21', httpPort: emu.httpPort }, { timeoutMs: 1500, maxBodyBytes: 65536, extra: planExtraRequests(drivers) });
      expect(p.http?.headers.server).to.equal('httpd/2.0');
      expect(matchAsuswrt(p)!.evidence).to.have.length(4);
    } finally {
      await emu.close();
    }
  });
});
