// The customer wizard end to end, as a customer meets it: the BUILT CLI's `routerctl ui` against
// `routerctl lab`, in headless Debian Chromium (playwright-core), once per language. The story: the
// password is changed in the provider's cabinet → the page finds the router, logs in, shows the PPP
// password verdict → the new password is typed → "the internet works", and the lab router really has
// it. Then a wrong password: the rollback message, and the router byte-for-byte unchanged. Along the
// way: no secret in any response, in the event stream, in the logs or in the browser's history; no
// request leaves the wizard's origin; every field has a stable name and a label; the keyboard alone
// can do it all; a phone-sized screen does not scroll sideways; a cross-site form is refused.
import { expect } from 'chai';
import { readFile, writeFile, mkdir, copyFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { CATALOGUES, type Lang, type MsgKey } from '../../src/i18n/index.js';
import { WIZARD_CATALOGUES, type WizardKey } from '../../src/i18n/wizard.js';
import { changeIspPassword, eventually, makeSandbox, startLabProcess, type LabProcess, type Sandbox } from '../e2e/cli-helpers.js';
import { chromiumMissing, launchBrowser, recordEvents, secretFor, startUi, type UiProcess } from './helpers.js';

const ADMIN_PASSWORD = 'Ui "adm1n" pw;$x';
const OLD_WAN_PASSWORD = 'Spring-2026'; // the lab's own for the OpenWrt router
/** Where the Russian step screenshots go when set (docs/ui in the repository). */
const SHOTS = process.env['ROUTERCTL_UI_SCREENSHOTS'];

function w(lang: Lang, key: WizardKey, params: Record<string, string | number> = {}): string {
  const msg = WIZARD_CATALOGUES[lang][key];
  const text = typeof msg === 'string' ? msg : (msg[new Intl.PluralRules(lang).select(Number(params['count'] ?? 0)) as keyof typeof msg] ?? msg.other);
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (params[name] === undefined ? whole : String(params[name])));
}

function d(lang: Lang, key: MsgKey): string {
  return String(CATALOGUES[lang][key]);
}

interface RunOptions {
  lang: Lang;
  locale: string;
  /** What the cabinet now holds, and what is typed into the page. */
  cabinet: string;
  typed: string;
  passwordChanged: boolean;
  keyboard?: boolean;
  viewport?: { width: number; height: number };
  shots?: boolean;
  wrongAdminFirst?: boolean;
}

interface RunResult {
  outcome: string;
  ui: UiProcess;
  /** Every response body the page got (but the event stream), the stream itself, the report, navigations. */
  bodies: string[];
  events: string;
  report: string;
  navigations: string[];
  requests: string[];
  historyDb: Buffer;
  verdict: string;
}

describe('ui: the customer wizard in Chromium against the lab (built CLI)', function () {
  this.timeout(90_000);
  let sandbox: Sandbox;
  let lab: LabProcess;
  let config: string[];
  let account: string;
  let routerHost: string;
  const typedSecrets: string[] = [];
  const env = { ROUTERCTL_PASSWORD: ADMIN_PASSWORD };

  before(async function () {
    const missing = chromiumMissing();
    if (missing) {
      console.log(`      (skipped: ${missing})`);
      this.skip();
    }
    sandbox = await makeSandbox();
    const pwFile = path.join(sandbox.dir, 'admin-pw');
    await writeFile(pwFile, `${ADMIN_PASSWORD}\n`, { mode: 0o600 });
    lab = await startLabProcess(sandbox, ['--speed', 'fast', '--admin-password-file', pwFile]);
    config = ['--config', lab.info.configPath];
    const home = lab.info.routers.find((r) => r.family === 'openwrt')!;
    account = home.wanAccount.username;
    routerHost = home.address;
    await eventually('the lab router online', async () => ((await ispAccount()).online ? true : undefined), 15_000);
  });

  after(async () => {
    await lab?.stop();
    await sandbox?.cleanup();
  });

  async function ispAccount(): Promise<{ username: string; online: boolean }> {
    const res = await fetch(`${lab.info.ispControlUrl}/accounts`);
    const list = (await res.json()) as { username: string; online: boolean }[];
    return list.find((a) => a.username === account)!;
  }

  /** The router's saved settings, as `routerctl backup` writes them (they hold the WAN password). */
  async function backupBytes(name: string): Promise<Buffer> {
    const file = path.join(sandbox.dir, name);
    const run = await sandbox.run([...config, 'backup', '--host', routerHost, '--out', file, '--json'], { env });
    expect(run.code, run.stderr).to.equal(0);
    return readFile(file);
  }

  async function shot(page: Page, o: RunOptions, name: string): Promise<void> {
    if (!o.shots || (o.typed !== o.cabinet && !name.startsWith('4-'))) return;
    const file = path.join(sandbox.dir, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    if (SHOTS) {
      await mkdir(SHOTS, { recursive: true });
      await copyFile(file, path.join(SHOTS, `${name}.png`));
    }
  }

  async function runWizard(o: RunOptions): Promise<RunResult> {
    typedSecrets.push(o.typed, o.cabinet);
    await changeIspPassword(lab.info.ispControlUrl, account, o.cabinet);
    const ui = await startUi(sandbox, config);
    const browser = await launchBrowser(sandbox.dir, o.locale, o.viewport);
    const bodies: Promise<string>[] = [];
    const navigations: string[] = [];
    const requests: string[] = [];
    const errors: string[] = [];
    let events: ReturnType<typeof recordEvents> | undefined;
    let result: RunResult | undefined;
    try {
      const page = await browser.context.newPage();
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('request', (r) => requests.push(r.url()));
      page.on('framenavigated', (f) => {
        if (f === page.mainFrame()) navigations.push(f.url());
      });
      page.on('response', (r) => {
        if (!(r.headers()['content-type'] ?? '').startsWith('text/event-stream')) bodies.push(r.text().catch(() => ''));
      });

      await page.goto(ui.url);
      // The token is exchanged for the cookie and is gone from the address bar.
      expect(page.url()).to.equal(`${ui.origin}/`);
      expect(await page.getAttribute('html', 'lang')).to.equal(o.lang);
      const [cookie] = await browser.context.cookies(ui.origin);
      expect(cookie, 'session cookie').to.include({ httpOnly: true, sameSite: 'Strict' });
      events = recordEvents(ui.origin, `${cookie!.name}=${cookie!.value}`);

      // 1. Find: the lab has two routers, so the page asks which one; the gateway comes first.
      await page.locator('#find-form').waitFor({ state: 'visible' });
      expect(await page.locator('input[name="router"]').count()).to.equal(2);
      expect(await page.locator('#find-progress').innerText()).to.contain(w(o.lang, 'find.found', { count: 2 }));
      expect(await page.locator('#router-list').innerText()).to.contain(routerHost);
      await shot(page, o, '1-find');
      if (o.keyboard) {
        // Focus lands on the chosen router; Tab reaches "Continue".
        expect(await page.evaluate('document.activeElement && document.activeElement.name')).to.equal('router');
        await page.keyboard.press('Tab');
        await page.keyboard.press('Enter');
      } else {
        await page.locator(`input[name="router"][value="${routerHost}"]`).check();
        await page.locator('#find-form button[type="submit"]').click();
      }

      // 2. Log in: the factory login fails, so the page asks (with the budget); later runs use the saved one.
      const loginForm = page.locator('#login-form');
      const loggedIn = page.locator('#login-msg.good');
      await Promise.race([loginForm.waitFor({ state: 'visible' }), loggedIn.waitFor({ state: 'visible' })]);
      if (await loginForm.isVisible()) {
        expect(await page.locator('#login-msg').innerText()).to.contain(w(o.lang, 'login.factoryRefused'));
        expect(await page.locator('#login-budget').innerText()).to.equal(w(o.lang, 'login.budget', { count: 2, minutes: 15 }));
        await shot(page, o, '2-login');
        if (o.wrongAdminFirst) {
          // A mistyped router password: said so, one attempt fewer, and asked again.
          const wrongAdmin = secretFor('Adm1n-typo');
          typedSecrets.push(wrongAdmin);
          await page.fill('#admin-password', wrongAdmin);
          await page.locator('#login-form button[type="submit"]').click();
          await page.locator('#login-msg.bad').waitFor({ state: 'visible' });
          expect(await page.locator('#login-msg').innerText()).to.contain(w(o.lang, 'login.wrong'));
          await loginForm.waitFor({ state: 'visible' });
          expect(await page.locator('#login-budget').innerText()).to.equal(w(o.lang, 'login.budget', { count: 1, minutes: 15 }));
        }
        if (o.keyboard) {
          expect(await page.evaluate('document.activeElement && document.activeElement.id')).to.equal('admin-password');
          await page.keyboard.type(ADMIN_PASSWORD);
          await page.keyboard.press('Enter');
        } else {
          await page.fill('#admin-password', ADMIN_PASSWORD);
          await page.check('#remember');
          await page.locator('#login-form button[type="submit"]').click();
        }
      }
      await loggedIn.waitFor({ state: 'visible' });
      expect(await page.inputValue('#admin-password')).to.equal('');

      // 3. The self-help check: the chain and the verdict from `diagnose`.
      if (o.keyboard) {
        await eventually('focus on the check heading', async () => ((await page.evaluate('document.activeElement && document.activeElement.id')) === 'h-check' ? true : undefined), 3000);
        await page.keyboard.press('Tab');
        if (o.passwordChanged) await page.keyboard.press('Space');
        await page.keyboard.press('Tab');
        await page.keyboard.press('Enter');
      } else {
        await page.setChecked('#password-changed', o.passwordChanged);
        await page.locator('#check-submit').click();
      }
      const verdictBox = page.locator('#check-result [data-verdict]');
      await verdictBox.waitFor({ state: 'visible', timeout: 30_000 });
      const verdict = (await verdictBox.getAttribute('data-verdict'))!;
      const expected = o.passwordChanged ? 'ppp_auth_failed.password_changed' : 'ppp_auth_failed';
      expect(verdict).to.equal(expected);
      expect(await verdictBox.locator('.title').innerText()).to.contain(d(o.lang, `v.${expected}.title` as MsgKey));
      expect(await page.locator('#check-result [data-segment="device"]').getAttribute('data-status')).to.equal('pass');
      expect(await page.locator('#check-result [data-segment="router"]').getAttribute('data-status')).to.equal('pass');
      expect(await page.locator('#check-result [data-segment="provider"]').getAttribute('data-status')).to.equal('fail');
      expect(await page.locator('#check-result .chain').innerText()).to.contain(d(o.lang, 'seg.internet'));
      // The ISP's hint for a temporary password, in this language.
      expect(await page.locator('#fix-temp').innerText()).to.match(o.lang === 'en' ? /temporary password/ : /тимчасовий пароль|временный пароль/);
      await shot(page, o, '3-check');

      // 4. The new password, twice, with the show/hide toggle.
      if (o.keyboard) {
        await eventually('focus on the verdict', async () => ((await page.evaluate('document.activeElement && document.activeElement.className')) === 'title' ? true : undefined), 3000);
        await page.keyboard.press('Tab'); // the "form below" link in the advice
        expect(await page.evaluate('document.activeElement && document.activeElement.className')).to.equal('to-form');
        await page.keyboard.press('Enter');
        expect(await page.evaluate('document.activeElement && document.activeElement.id')).to.equal('new-password');
        await page.keyboard.type(o.typed);
        await page.keyboard.press('Tab'); // the toggle
        await page.keyboard.press('Space');
        expect(await page.getAttribute('#new-password', 'type')).to.equal('text');
        await page.keyboard.press('Space');
        expect(await page.getAttribute('#new-password', 'type')).to.equal('password');
        await page.keyboard.press('Tab');
        await page.keyboard.type(o.typed);
        await page.keyboard.press('Enter');
      } else {
        await page.fill('#new-password', o.typed);
        await page.fill('#new-password-repeat', `${o.typed}x`);
        await page.locator('#fix-form button[type="submit"]').click();
        expect(await page.locator('#fix-error').innerText()).to.equal(w(o.lang, 'fix.mismatch'));
        await page.fill('#new-password-repeat', o.typed);
        const toggle = page.locator('#fix-form button.toggle');
        await toggle.click();
        expect(await page.getAttribute('#new-password', 'type')).to.equal('text');
        expect(await page.getAttribute('#new-password-repeat', 'type')).to.equal('text');
        expect(await toggle.innerText()).to.equal(w(o.lang, 'app.hide'));
        await toggle.click();
        expect(await page.getAttribute('#new-password', 'type')).to.equal('password');
        await page.locator('#fix-form button[type="submit"]').click();
      }
      const outcomeBox = page.locator('#fix-result [data-outcome]');
      await outcomeBox.waitFor({ state: 'visible', timeout: 40_000 });
      const outcome = (await outcomeBox.getAttribute('data-outcome'))!;
      // Nothing typed stays in the page.
      expect(await page.inputValue('#new-password')).to.equal('');
      expect(await page.inputValue('#new-password-repeat')).to.equal('');
      if (outcome === 'applied') {
        expect(await outcomeBox.innerText()).to.contain(w(o.lang, 'done.works'));
        // The check runs once more and shows the chain as it is now.
        const again = page.locator('#recheck-result [data-verdict]');
        await again.waitFor({ state: 'visible', timeout: 30_000 });
        expect(await again.getAttribute('data-severity')).to.not.equal('critical');
        expect(await page.locator('#nav li[data-step="done"]').getAttribute('aria-current')).to.equal('step');
      }
      if (outcome === 'rolled_back') {
        const text = await outcomeBox.innerText();
        expect(text).to.contain(w(o.lang, 'done.rolledBackAuth'));
        expect(text).to.contain(w(o.lang, 'done.putBack'));
      }
      await shot(page, o, outcome === 'applied' ? '4-done' : '4-rolled-back');
      if (o.shots && outcome === 'applied') {
        // The same page on a phone.
        await page.setViewportSize({ width: 390, height: 844 });
        expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).to.equal(true);
        await shot(page, o, '5-phone');
      }

      // 5. The technician report.
      await page.locator('#s-done').waitFor({ state: 'visible' });
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#report-link').click()]);
      const report = await readFile((await download.path())!, 'utf8');
      expect(report).to.contain('<!doctype html>');
      expect(report).to.contain(routerHost);

      // Stable names and a label for every field.
      const fields = (await page.evaluate(
        "Array.from(document.querySelectorAll('input')).map(function (i) { return { name: i.name, labelled: i.labels.length > 0 }; })",
      )) as { name: string; labelled: boolean }[];
      expect(fields.map((f) => f.name).sort()).to.deep.equal(['admin-password', 'new-password', 'new-password-repeat', 'password-changed', 'remember', 'router', 'router'].sort());
      expect(fields.filter((f) => !f.labelled)).to.deep.equal([]);
      if (o.viewport && o.viewport.width < 500) {
        expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).to.equal(true);
      }
      expect(errors).to.deep.equal([]);
      await events.stop();
      await page.close();
      result = { outcome, ui, bodies: await Promise.all(bodies), events: events.text(), report, navigations, requests, historyDb: Buffer.alloc(0), verdict };
    } finally {
      await events?.stop();
      await browser.close();
      expect(await ui.stop(), `ui stderr: ${ui.stderr.join('').slice(-400)}`).to.equal(0);
    }
    // The browser's own history database, as the person's profile keeps it.
    const done = result!;
    done.historyDb = await readFile(path.join(browser.profileDir, 'Default', 'History')).catch(() => Buffer.alloc(0));
    expect(done.historyDb.length, 'Chromium wrote its history').to.be.greaterThan(0);
    return done;
  }

  function expectClean(r: RunResult, secrets: string[]): void {
    const places: [string, string][] = [
      ['responses', r.bodies.join('\n')],
      ['event stream', r.events],
      ['report', r.report],
      ['ui output', r.ui.stderr.join('') + r.ui.stdout.join('\n')],
      ['navigations', r.navigations.join('\n')],
    ];
    for (const [where, text] of places) {
      for (const s of secrets) expect(text.includes(s), `a secret in the ${where}`).to.equal(false);
    }
    for (const s of secrets) expect(r.historyDb.includes(Buffer.from(s)), 'a secret in the browser history').to.equal(false);
    // The link's token shows in the first navigation only, never after the redirect.
    const token = new URL(r.ui.url).searchParams.get('token')!;
    expect(r.navigations.filter((u) => u.includes(token))).to.deep.equal([]);
    // No request leaves the wizard's origin: no CDN, no font, no analytics.
    expect(r.requests.filter((u) => !u.startsWith(`${r.ui.origin}/`) && !u.startsWith('data:'))).to.deep.equal([]);
  }

  const runs: { lang: Lang; locale: string; passwordChanged: boolean; keyboard?: boolean; viewport?: { width: number; height: number }; wrongAdminFirst?: boolean }[] = [
    { lang: 'ru', locale: 'ru-RU', passwordChanged: true, wrongAdminFirst: true },
    { lang: 'uk', locale: 'uk-UA', passwordChanged: false, viewport: { width: 390, height: 844 } },
    { lang: 'en', locale: 'en-GB', passwordChanged: true, keyboard: true },
  ];
  for (const run of runs) {
    it(`${run.lang}: cabinet change → PPP password verdict → new password → "the internet works", and the router has it${run.keyboard ? ' (keyboard only)' : ''}${run.viewport ? ' (phone screen)' : ''}`, async () => {
      const newPassword = secretFor(`Cab-${run.lang}`);
      const r = await runWizard({ ...run, cabinet: newPassword, typed: newPassword, shots: run.lang === 'ru' });
      expect(r.outcome).to.equal('applied');
      // The lab's router has the new password: the provider lets it in, and its saved settings hold it.
      expect((await ispAccount()).online).to.equal(true);
      const show = await sandbox.run([...config, 'wan', 'show', '--host', routerHost, '--json'], { env });
      expect((show.json?.['status'] as { state?: string } | undefined)?.state).to.equal('up');
      const backup = JSON.parse((await backupBytes(`after-${run.lang}.json`)).toString('utf8')) as unknown;
      expect(JSON.stringify(backup).includes(JSON.stringify(newPassword)), 'the new password is in the router').to.equal(true);
      expectClean(r, [ADMIN_PASSWORD, newPassword, OLD_WAN_PASSWORD]);
    });
  }

  it('ru: a wrong password ends with the rollback message, and the router is byte-for-byte unchanged', async () => {
    const cabinet = secretFor('Cabinet-again');
    const wrong = secretFor('Typo');
    await changeIspPassword(lab.info.ispControlUrl, account, cabinet);
    const before = await backupBytes('before-wrong.json');
    const r = await runWizard({ lang: 'ru', locale: 'ru-RU', cabinet, typed: wrong, passwordChanged: true, shots: true });
    expect(r.outcome).to.equal('rolled_back');
    const after = await backupBytes('after-wrong.json');
    expect(after.equals(before), 'the backup after the rollback differs from the one before').to.equal(true);
    expect((await ispAccount()).online).to.equal(false);
    expectClean(r, [ADMIN_PASSWORD, wrong, cabinet, OLD_WAN_PASSWORD]);
  });

  it('the language is switchable on the page (ru / uk / en) and the choice is kept', async () => {
    const ui = await startUi(sandbox, config);
    const browser = await launchBrowser(sandbox.dir, 'de-DE');
    try {
      const page = await browser.context.newPage();
      await page.goto(ui.url);
      // German is not offered: English.
      expect(await page.getAttribute('html', 'lang')).to.equal('en');
      expect(await page.locator('h1').innerText()).to.equal(w('en', 'app.title'));
      await page.locator('button.lang[data-lang="uk"]').click();
      expect(await page.getAttribute('html', 'lang')).to.equal('uk');
      expect(await page.locator('h1').innerText()).to.equal(w('uk', 'app.title'));
      expect(await page.locator('button.lang[data-lang="uk"]').getAttribute('aria-pressed')).to.equal('true');
      await page.locator('#find-form').waitFor({ state: 'visible' });
      expect(await page.locator('#find-form legend').innerText()).to.equal(w('uk', 'find.pick'));
      await page.reload();
      expect(await page.getAttribute('html', 'lang')).to.equal('uk');
      await page.locator('button.lang[data-lang="ru"]').click();
      expect(await page.locator('#find-form legend').innerText()).to.equal(w('ru', 'find.pick'));
      // "Close the helper": the page says so, and the process ends by itself.
      await page.locator('#quit').click();
      await page.locator('#banner').waitFor({ state: 'visible' });
      expect(await page.locator('#banner').innerText()).to.equal(w('ru', 'app.stopped.quit'));
      expect(await ui.exited).to.equal(0);
    } finally {
      await browser.close();
      await ui.stop();
    }
  });

  it('with --host there is nothing to pick: the page goes straight to the login (saved credentials)', async () => {
    const ui = await startUi(sandbox, [...config, '--host', routerHost]);
    const browser = await launchBrowser(sandbox.dir, 'uk-UA');
    try {
      const page = await browser.context.newPage();
      await page.goto(ui.url);
      await page.locator('#login-msg.good').waitFor({ state: 'visible' });
      expect(await page.locator('#login-msg').innerText()).to.equal(w('uk', 'login.okSaved'));
      expect(await page.locator('#find-form').isVisible()).to.equal(false);
      expect(await page.locator('#find-chosen').innerText()).to.contain(routerHost);
    } finally {
      await browser.close();
      await ui.stop();
    }
  });

  it('a cross-site form or fetch from another page on this computer is refused, and nothing starts', async () => {
    const ui = await startUi(sandbox, config);
    const browser = await launchBrowser(sandbox.dir, 'en-GB');
    // Another server on 127.0.0.1 (another port): "same site" for cookies, so only the Origin check stops it.
    const evil = http.createServer((req, res) => {
      if (req.url === '/blank') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<!doctype html><title>another page</title>');
        return;
      }
      const form =
        req.url === '/plain'
          ? `<form method="post" enctype="text/plain" action="${ui.origin}/api/sync"><input name='{"password":"evil","x":"' value='"}'></form>`
          : `<form method="post" action="${ui.origin}/api/sync"><input name="password" value="evil"></form>`;
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><body>${form}<script>document.forms[0].submit()</script></body>`);
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    const evilOrigin = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
    try {
      const page = await browser.context.newPage();
      await page.goto(ui.url);
      await page.locator('#find-form').waitFor({ state: 'visible' });
      for (const p of ['/form', '/plain']) {
        const answer = page.waitForResponse((r) => r.url() === `${ui.origin}/api/sync`);
        await page.goto(`${evilOrigin}${p}`);
        const res = await answer;
        expect(res.status(), p).to.be.oneOf([403, 415]);
      }
      // A script on that page: the JSON POST needs a CORS preflight the wizard never grants.
      await page.goto(`${evilOrigin}/blank`);
      const fetched = await page.evaluate(
        `fetch(${JSON.stringify(`${ui.origin}/api/discover`)}, { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: '{}' }).then(function (r) { return 'status ' + r.status; }, function () { return 'blocked'; })`,
      );
      expect(fetched).to.equal('blocked');
      const [cookie] = await browser.context.cookies(ui.origin);
      const state = (await (await fetch(`${ui.origin}/api/state`, { headers: { cookie: `${cookie!.name}=${cookie!.value}` } })).json()) as { fix?: unknown; login?: unknown };
      expect(state.fix).to.equal(undefined);
      expect(state.login).to.equal(undefined);
      expect(ui.stderr.join('')).to.match(/refused POST \/api\/sync: foreign Origin/);
    } finally {
      evil.close();
      await browser.close();
      await ui.stop();
    }
  });

  it('leaves no secret in the logs or in the browser profile', async () => {
    const log = await readFile(path.join(sandbox.env['XDG_STATE_HOME']!, 'routerctl', 'routerctl.log'), 'utf8');
    expect(log.length).to.be.greaterThan(0);
    const all = sandbox.transcript.join('\n') + log;
    for (const s of [ADMIN_PASSWORD, OLD_WAN_PASSWORD, ...typedSecrets]) expect(all.includes(s), 'a secret in the logs').to.equal(false);
  });
});
