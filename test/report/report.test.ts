import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildBundle, loadBundle, seriesOf, LAST_DIAGNOSIS_FILE } from '../../src/report/bundle.js';
import { esc, renderHtml, scriptJson } from '../../src/report/html.js';
import { writeReportFile } from '../../src/cli/commands/report.js';
import { HistoryStore } from '../../src/watch/history.js';
import { outageHistory, rec, SECRET_ADMIN, SECRET_WAN, scriptedReport } from '../watch/fixtures.js';

const CHROMIUM = '/usr/bin/chromium';

// The callbacks given to page.evaluate run in Chromium; the project has no DOM typings (lib ES2023),
// so this file describes the little of the DOM they use.
interface CanvasLike {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
}
declare const document: {
  body: { getAttribute(name: string): string | null; innerText: string };
  querySelector(selector: string): CanvasLike | null;
};

describe('technician report (self-contained HTML)', function () {
  this.timeout(60_000);
  const until = Date.UTC(2026, 10, 25, 12);
  const t0 = until - 12 * 3_600_000;

  it('is one page that needs no network: a CSP that forbids loads, uPlot inlined, no external URL', () => {
    const html = renderHtml(buildBundle({ records: outageHistory(t0), diagnosis: scriptedReport('ok', { at: until }), sinceMs: t0, untilMs: until }));
    expect(html).to.match(/<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
    expect(html).not.to.match(/<(script|link|img|iframe)[^>]+(src|href)=/i);
    expect(html).not.to.match(/url\(\s*['"]?https?:/i);
    expect(html).to.contain('uPlot');
    expect(html.length).to.be.below(400_000);
    expect(html).to.contain('Lab One');
    expect(html).to.contain('PPP authentication failed');
  });

  it('escapes what it shows and keeps the embedded JSON inside its script', () => {
    expect(esc('<b>"x"&\'')).to.equal('&lt;b&gt;&quot;x&quot;&amp;&#39;');
    expect(scriptJson({ a: '</script><script>alert(1)</script>' })).not.to.contain('</script');
    const evil = scriptedReport('ok');
    evil.router!.model = '<img src=x onerror=alert(1)>';
    const html = renderHtml(buildBundle({ records: [], diagnosis: evil, sinceMs: t0, untilMs: until }));
    expect(html).not.to.contain('<img src=x');
  });

  it('--json bundle: router without a secret (no PPP login), the diagnosis with every check, outages and series', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'routerctl-report-'));
    try {
      const h = new HistoryStore({ dir: path.join(dir, 'history'), maxBytes: 1 << 20, maxFiles: 3, retentionDays: 0 });
      for (const r of outageHistory(t0)) await h.append(r);
      const d = scriptedReport('ok', { at: until });
      d.router!.login = 'pppoe-login-0891';
      await writeFile(path.join(dir, LAST_DIAGNOSIS_FILE), JSON.stringify(d));
      const b = await loadBundle({ stateDir: dir, sinceMs: t0, untilMs: until, historyFiles: 3 });
      expect(b.schema).to.equal('routerctl.report/1');
      expect(b.router).to.include({ family: 'openwrt', model: 'Lab One', wan_proto: 'l2tp' });
      expect(JSON.stringify(b.router)).not.to.contain('pppoe-login');
      expect(b.diagnosis!.checks).to.have.length(6);
      expect(b.outages.map((o) => [o.cause, o.duration_s])).to.deep.equal([
        ['ppp_auth_failed', 25 * 60],
        ['isp_upstream_down', 15 * 60],
      ]);
      expect(b.series.t).to.have.length(144);
      expect(Object.keys(b.series.latency_ms)).to.deep.equal(['gateway', 'anchor-a']);
      const file = path.join(dir, 'report.html');
      await writeReportFile(file, renderHtml(b));
      expect((await stat(file)).mode & 0o777).to.equal(0o600);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('thins long histories but keeps every record of an outage', () => {
    const long = Array.from({ length: 20_000 }, (_, i) => rec(t0, i, i === 10_001 ? 'down' : 'up', i === 10_001 ? 'wan_cable' : 'ok'));
    const { series, thinned } = seriesOf(long, 1000);
    expect(thinned).to.equal(true);
    expect(series.t.length).to.be.at.most(1100);
    expect(series.state).to.include('down');
  });

  it('renders in headless Chromium: both charts drawn with the outages marked, no request made, no secret on the page', async function () {
    if (!existsSync(CHROMIUM)) {
      console.log(`      (skipped: ${CHROMIUM} is absent; .ci/run installs Debian's chromium package)`);
      this.skip();
    }
    const { chromium } = await import('playwright-core');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'routerctl-report-chromium-'));
    const profile = path.join(dir, 'profile');
    await mkdir(profile, { mode: 0o700 });
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1100, height: 1600 },
    });
    try {
      const requests: string[] = [];
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('file:')) return route.continue();
        requests.push(url);
        return route.abort();
      });
      const d = scriptedReport('ok', { at: until });
      const html = renderHtml(buildBundle({ records: outageHistory(t0), diagnosis: d, sinceMs: t0, untilMs: until }));
      const file = path.join(dir, 'report.html');
      await writeFile(file, html);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`file://${file}`);
      await page.waitForFunction(() => Number(document.body.getAttribute('data-charts-drawn') ?? 0) >= 2, undefined, { timeout: 10_000 });
      expect(errors).to.deep.equal([]);
      const pixels = await page.evaluate(() => {
        const canvas = document.querySelector('#chart-latency canvas')!;
        const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        let reddish = 0;
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 3]! > 0) painted++;
          if (data[i + 3]! > 0 && data[i]! > data[i + 1]! + 20 && data[i]! > data[i + 2]! + 20) reddish++;
        }
        return { painted, reddish, width: canvas.width };
      });
      expect(pixels.width).to.be.above(500);
      expect(pixels.painted).to.be.above(2000);
      expect(pixels.reddish).to.be.above(100); // the outage bands
      const text = await page.evaluate(() => document.body.innerText);
      expect(text).to.contain('Uptime');
      expect(text).to.contain('PPP authentication failed');
      expect(text).to.contain('isp_upstream_down');
      const content = await page.content();
      for (const secret of [SECRET_ADMIN, SECRET_WAN]) {
        expect(content).not.to.contain(secret);
        expect(html).not.to.contain(secret);
      }
      expect(requests).to.deep.equal([]);
      const shot = process.env['ROUTERCTL_REPORT_SCREENSHOT'] ?? path.join(dir, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect((await readFile(shot)).length).to.be.above(10_000);
    } finally {
      await context.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
