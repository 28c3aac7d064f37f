import { expect } from 'chai';
import { Resolver } from 'node:dns/promises';
import { startDnsServer } from '../../src/lab/dns-server.js';
import { SimulatedIsp } from '../../src/lab/isp.js';

describe('lab ISP', () => {
  const make = (): SimulatedIsp => {
    const isp = new SimulatedIsp({ vpnServers: ['tp.internet.beeline.ru'], pppoe: true, dns: ['127.0.100.1'], dropSessionOnPasswordChange: true });
    isp.addAccount({ username: '089', password: 'old', balance: 100 });
    return isp;
  };

  it('authenticates L2TP only on its own server and with the account password', () => {
    const isp = make();
    expect(isp.dial({ routerId: 'r', proto: 'l2tp', server: 'tp.internet.beeline.ru', username: '089', password: 'old' }).ok).to.equal(true);
    expect(isp.isOnline('r')).to.equal(true);
    expect(isp.dial({ routerId: 'r', proto: 'l2tp', server: 'vpn.other.example', username: '089', password: 'old' })).to.include({ ok: false, reason: 'server_unreachable' });
    expect(isp.dial({ routerId: 'r', proto: 'l2tp', server: 'tp.internet.beeline.ru', username: '089', password: 'nope' })).to.include({ ok: false, reason: 'auth_failed' });
    expect(isp.isOnline('r')).to.equal(false);
  });

  it('a cabinet password change drops the live session and the old password stops working', () => {
    const isp = make();
    let dropped = 0;
    isp.onDrop('r', () => dropped++);
    isp.dial({ routerId: 'r', proto: 'pppoe', username: '089', password: 'old' });
    isp.changePassword('089', 'new');
    expect(dropped).to.equal(1);
    expect(isp.isOnline('r')).to.equal(false);
    expect(isp.dial({ routerId: 'r', proto: 'pppoe', username: '089', password: 'old' }).ok).to.equal(false);
    expect(isp.listAccounts()[0]).to.not.have.property('password');
  });

  it('its DNS server answers over real UDP on loopback', async () => {
    const dns = await startDnsServer('127.0.100.9', { 'tp.internet.beeline.ru': '127.0.100.1' });
    try {
      const resolver = new Resolver({ timeout: 1000, tries: 1 });
      resolver.setServers([`${dns.host}:${dns.port}`]);
      expect(await resolver.resolve4('tp.internet.beeline.ru')).to.deep.equal(['127.0.100.1']);
      const err = (await resolver.resolve4('nothing.example').catch((e: unknown) => e)) as { code: string };
      expect(err.code).to.equal('ENOTFOUND');
    } finally {
      await dns.close();
    }
  });
});
