// `npm start` is the first thing a newcomer runs: the demo must tell the whole story and exit 0 — on
// every family (MikroTik and ASUS join the lab beside its two default routers when asked for).
import { expect } from 'chai';
import { DEFAULT_LAB_ROUTERS, EXTRA_LAB_ROUTERS } from '../../src/lab/lab.js';
import { makeSandbox } from './cli-helpers.js';

describe('e2e: the demo (npm start)', function () {
  this.timeout(60_000);
  for (const spec of [...DEFAULT_LAB_ROUTERS, ...EXTRA_LAB_ROUTERS]) {
    const family = spec.family;
    it(`tells the story on the ${family} lab router and ends with the internet back`, async () => {
      const sandbox = await makeSandbox();
      try {
        const r = await sandbox.run(['demo', '--speed', 'fast', '--driver', family]);
        expect(r.code, r.stderr).to.equal(0);
        expect(r.stdout).to.match(new RegExp(`the story follows the ${family} router`));
        expect(r.stdout).to.match(/4\. routerctl diagnose[\s\S]*The provider[\s\S]*6\. routerctl diagnose again:\s*\n✓ Everything works\./);
        expect(r.stdout).to.include('The internet works again.');
        for (const secret of ['Autumn-2026!', spec.wan.password]) expect(r.stdout + r.stderr).to.not.include(secret);
      } finally {
        await sandbox.cleanup();
      }
    });
  }

  it('names the families it can follow when asked for one it does not know', async () => {
    const sandbox = await makeSandbox();
    try {
      const r = await sandbox.run(['demo', '--speed', 'fast', '--driver', 'netgear']);
      expect(r.code).to.not.equal(0);
      expect(r.stdout + r.stderr).to.match(/no netgear router; it can follow: openwrt, keenetic, mikrotik, asuswrt/);
    } finally {
      await sandbox.cleanup();
    }
  });
});
