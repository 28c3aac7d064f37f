// The watch's light cron cycle (diagnostics.md §4.1): the same checks as `diagnose`, trimmed so a beat
// stays short and cheap — a user's cron line must not turn into a throughput test every 5 minutes.
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { lightConfig } from '../../src/watch/cycle-work.js';

describe('watch: the light cycle', () => {
  it('drops throughput and the large download, caps the quality train and the router pings, and fits the bound', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rctl-light-'));
    try {
      const full = loadConfig({ env: { ROUTERCTL_CONFIG_DIR: dir } });
      const boundMs = 8000;
      const light = lightConfig(full, boundMs).diagnostics;
      expect(light.probes.throughputUrl).to.equal(null);
      expect(light.probes.largeUrl).to.equal(null);
      expect(light.quality.count).to.be.at.most(10);
      expect(light.ping.routerCount).to.be.at.most(2).and.at.least(1);
      expect(light.ppp.waitMs).to.equal(0);
      expect(light.budgetMs).to.be.at.most(boundMs - 1000);
      // The full diagnosis keeps what the user configured.
      expect(full.diagnostics.ping.routerCount).to.be.greaterThan(light.ping.routerCount);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
