// The wizard's pieces without a browser: the language from Accept-Language, the token → cookie gate,
// the catalogue (every key in every language, Ukrainian that is not Russian, the same placeholders),
// the page script (plain JavaScript that parses), and the browser launcher's choice of command.
import { expect } from 'chai';
import type { IncomingMessage } from 'node:http';
import { WIZARD_CATALOGUES, wizardPageTexts, wizardEn } from '../../src/i18n/wizard.js';
import { LANGS } from '../../src/i18n/index.js';
import { CLIENT_JS } from '../../src/ui/client.js';
import { browserCommand } from '../../src/ui/open-browser.js';
import { pageHtml } from '../../src/ui/page.js';
import { Gate, langFromAcceptLanguage, parseCookies } from '../../src/ui/security.js';

function req(headers: Record<string, string>): IncomingMessage {
  return { headers } as unknown as IncomingMessage;
}

function texts(m: unknown): string[] {
  if (typeof m === 'string') return [m];
  if (Array.isArray(m)) return m.map(String);
  return Object.values(m as Record<string, string>);
}

describe('ui: pieces', () => {
  it('takes the language from Accept-Language by weight, ru / uk / en only', () => {
    expect(langFromAcceptLanguage('ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7')).to.equal('ru');
    expect(langFromAcceptLanguage('uk-UA,uk;q=0.9')).to.equal('uk');
    expect(langFromAcceptLanguage('de-DE,de;q=0.9,uk;q=0.5,ru;q=0.6')).to.equal('ru');
    expect(langFromAcceptLanguage('en;q=0.1, uk;q=0.8')).to.equal('uk');
    expect(langFromAcceptLanguage('ua')).to.equal('uk');
    expect(langFromAcceptLanguage('de, fr')).to.equal(undefined);
    expect(langFromAcceptLanguage('ru;q=0, en')).to.equal('en');
    expect(langFromAcceptLanguage(undefined)).to.equal(undefined);
  });

  it('exchanges the token once, for a different random cookie value', () => {
    const gate = new Gate(4321);
    const token = gate.token!;
    expect(gate.exchange('nope')).to.equal(undefined);
    const session = gate.exchange(token)!;
    expect(session).to.be.a('string').and.not.equal(token);
    expect(gate.token).to.equal(undefined);
    expect(gate.exchange(token)).to.equal(undefined);
    expect(gate.authed(req({ cookie: `other=1; routerctl_ui_4321=${session}` }))).to.equal(true);
    expect(gate.authed(req({ cookie: `routerctl_ui_4322=${session}` }))).to.equal(false);
    expect(gate.authed(req({ cookie: `routerctl_ui_4321=${session}x` }))).to.equal(false);
    expect(gate.cookieHeader(session)).to.equal(`routerctl_ui_4321=${session}; Path=/; HttpOnly; SameSite=Strict`);
    expect(parseCookies('a=1; b = 2;c=3=4').get('c')).to.equal('3=4');
  });

  it('checks Host and Origin exactly', () => {
    const gate = new Gate(4321);
    expect(gate.checkHost(req({ host: '127.0.0.1:4321' }))).to.equal(undefined);
    expect(gate.checkHost(req({ host: 'LOCALHOST:4321' }))).to.equal(undefined);
    expect(gate.checkHost(req({ host: '127.0.0.1' }))).to.deep.include({ status: 421 });
    expect(gate.checkHost(req({ host: 'router.evil.example:4321' }))).to.deep.include({ status: 421 });
    expect(gate.checkOrigin(req({ origin: 'http://127.0.0.1:4321' }), true)).to.equal(undefined);
    expect(gate.checkOrigin(req({}), true)).to.deep.include({ status: 403 });
    expect(gate.checkOrigin(req({}), false)).to.equal(undefined);
    expect(gate.checkOrigin(req({ 'sec-fetch-site': 'none' }), false)).to.equal(undefined);
    expect(gate.checkOrigin(req({ 'sec-fetch-site': 'same-site' }), false)).to.deep.include({ status: 403 });
    expect(gate.checkOrigin(req({ origin: 'http://127.0.0.1:4322' }), false)).to.deep.include({ status: 403 });
  });

  it('has every wizard key in every language, with the same placeholders', () => {
    const keys = Object.keys(wizardEn).sort();
    for (const lang of LANGS) {
      const cat = WIZARD_CATALOGUES[lang];
      expect(Object.keys(cat).sort(), lang).to.deep.equal(keys);
      for (const key of keys) {
        const placeholders = (m: unknown): string[] => [...new Set(texts(m).flatMap((s) => s.match(/\{[a-zA-Z]+\}/g) ?? []))].sort();
        expect(placeholders(cat[key as keyof typeof cat]), `${lang} ${key}`).to.deep.equal(placeholders(wizardEn[key as keyof typeof wizardEn]));
      }
    }
  });

  it('speaks Russian and Ukrainian, not English word for word, and Ukrainian is not Russian', () => {
    for (const lang of ['ru', 'uk'] as const) {
      const cat = WIZARD_CATALOGUES[lang];
      for (const [key, m] of Object.entries(cat)) {
        for (const s of texts(m)) expect(s, `${lang} ${key}`).to.match(/[а-яіїєґ]/i);
      }
    }
    const uk = Object.values(WIZARD_CATALOGUES.uk).flatMap(texts).join(' ');
    expect(uk).to.match(/[іїєґ’]/);
    expect(uk).to.not.match(/[ыъэЫЪЭё]/);
    const ru = Object.values(WIZARD_CATALOGUES.ru).flatMap(texts).join(' ');
    expect(ru).to.not.match(/[іїєґІЇЄҐ]/);
    // Plurals for the budget: ru/uk need one / few / many.
    for (const lang of ['ru', 'uk'] as const) expect(Object.keys(WIZARD_CATALOGUES[lang]['login.budget'] as object)).to.include.members(['one', 'few', 'many', 'other']);
  });

  it('hands the page the wizard texts and the diagnose words it shows', () => {
    const all = wizardPageTexts();
    for (const lang of LANGS) {
      expect(all[lang]['seg.provider'], lang).to.be.a('string');
      expect(all[lang]['ui.progress.router'], lang).to.be.a('string');
      expect(all[lang]['done.works'], lang).to.be.a('string');
    }
    const html = pageHtml({ lang: 'ru', texts: all });
    expect(html).to.contain('<html lang="ru"');
    expect(html).to.contain('Помощник по домашнему интернету');
    expect(html).to.not.match(/<script>(?!<)/); // no inline script to run: the CSP allows only /app.js
    for (const name of ['router', 'admin-password', 'remember', 'password-changed', 'new-password', 'new-password-repeat']) {
      if (name !== 'router') expect(html, name).to.match(new RegExp(`<label for="${name}"|<input type="checkbox" id="${name}"`));
    }
  });

  it('ships the page script as plain JavaScript that parses', () => {
    expect(() => new Function(CLIENT_JS)).to.not.throw();
    expect(CLIENT_JS).to.not.contain('innerHTML');
    expect(CLIENT_JS).to.not.match(/https?:\/\//);
    expect(CLIENT_JS).to.not.contain('localStorage.setItem(STORE_KEY, password');
  });

  it('opens the browser only where there is a desktop, passing the link as one argument', () => {
    const url = 'http://127.0.0.1:1/?token=abc';
    expect(browserCommand(url, 'linux', {})).to.equal(undefined);
    expect(browserCommand(url, 'linux', { DISPLAY: ':0' })).to.deep.equal(['xdg-open', [url]]);
    expect(browserCommand(url, 'darwin', {})).to.deep.equal(['open', [url]]);
    expect(browserCommand(url, 'win32', {})![1]).to.include(url);
  });
});
