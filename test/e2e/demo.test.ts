// `npm start` is the first thing a newcomer runs: the demo must tell the whole story and exit 0.
import { expect } from 'chai';
import { makeSandbox } from './cli-helpers.js';

describe('e2e: the demo (npm start)', function () {
  this.timeout(60_000);
  for (const family of ['openwrt', 'keenetic']) {
    it(`tells the story on the ${family} lab router and ends with the internet back`, async () => {
      const sandbox = await makeSandbox();
      try {
        const r = await sandbox.run(['demo', '--speed', 'fast', '--driver', family]);
        expect(r.code, r.stderr).to.equal(0);
        expect(r.stdout).to.match(new RegExp(`the story follows the ${family} router`));
        expect(r.stdout).to.match(/4\. routerctl diagnose[\s\S]*The provider[\s\S]*6\. routerctl diagnose again:\s*\n✓ Everything works\./);
        expect(r.stdout).to.include('The internet works again.');
        expect(r.stdout).to.not.include('Autumn-2026!');
      } finally {
        await sandbox.cleanup();
      }
    });
  }
});
