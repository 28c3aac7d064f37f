// Languages: the OS locale decides, plural forms follow each language's rules, and every verdict has
// a headline and steps in all three languages with nothing left unfilled.
import { expect } from 'chai';
import { adviceAll, adviceFor, figureText } from '../../src/diagnostics/advice.js';
import { builtinProfileDir, loadIspProfiles } from '../../src/diagnostics/isp-profile.js';
import type { Verdict } from '../../src/diagnostics/types.js';
import { severityOf, VERDICT_ORDER } from '../../src/diagnostics/verdict.js';
import { CATALOGUES, detectLang, LANGS, t } from '../../src/i18n/index.js';

const profiles = loadIspProfiles([builtinProfileDir()]);

function verdict(id: Verdict['id'], extra: Partial<Verdict> = {}): Verdict {
  const meta = VERDICT_ORDER.find((v) => v.id === id)!;
  return {
    id,
    order: meta.order,
    severity: severityOf(id),
    confidence: 'high',
    layer: meta.layer,
    segment: meta.segment,
    evidence: [],
    params: { command: 'routerctl wan set-password', url: 'http://login.beeline.ru/', mtu: 1460, reasonCode: 'negotiation_failed', manualProto: 'L2TP', manualServer: 'tp.internet.beeline.ru' },
    figures: [
      { kind: 'latency_ms', value: 180, method: 'icmp' },
      { kind: 'loss_pct', value: 7 },
    ],
    ...extra,
  };
}

describe('diagnostics: languages and advice', () => {
  it('takes the language from LC_ALL, then LC_MESSAGES, then LANG; C means English', () => {
    expect(detectLang({ LANG: 'ru_RU.UTF-8' }, 'en-US')).to.equal('ru');
    expect(detectLang({ LC_ALL: 'uk_UA.UTF-8', LANG: 'ru_RU.UTF-8' }, 'en-US')).to.equal('uk');
    expect(detectLang({ LC_MESSAGES: 'uk_UA', LANG: 'en_US.UTF-8' }, 'ru')).to.equal('uk');
    expect(detectLang({ LANG: 'C.UTF-8' }, 'ru-RU')).to.equal('en');
    expect(detectLang({ LANG: 'de_DE.UTF-8' }, 'ru-RU')).to.equal('en');
    expect(detectLang({}, 'ru-RU')).to.equal('ru'); // no variables (Windows, macOS): Intl
    expect(detectLang({}, 'uk-UA')).to.equal('uk');
    expect(detectLang({ LANGUAGE: 'ru:en', LANG: 'en_US.UTF-8' }, 'en')).to.equal('ru');
  });

  it('picks plural forms by each language’s rules', () => {
    const seconds = (lang: 'en' | 'ru' | 'uk', n: number): string => t(lang, 'ui.seconds', { count: n });
    expect([1, 2, 5, 11, 21, 22].map((n) => seconds('ru', n))).to.deep.equal(['1 секунда', '2 секунды', '5 секунд', '11 секунд', '21 секунда', '22 секунды']);
    expect([1, 3, 5, 21].map((n) => seconds('uk', n))).to.deep.equal(['1 секунда', '3 секунди', '5 секунд', '21 секунда']);
    expect([1, 2].map((n) => seconds('en', n))).to.deep.equal(['1 second', '2 seconds']);
    expect(figureText({ kind: 'count', value: 3 }, 'ru')).to.equal('3 раза за последний час');
    expect(figureText({ kind: 'count', value: 5 }, 'uk')).to.equal('5 разів за останню годину');
  });

  it('has the same keys in every catalogue', () => {
    const keys = Object.keys(CATALOGUES.en).sort();
    for (const lang of LANGS) expect(Object.keys(CATALOGUES[lang]).sort(), lang).to.deep.equal(keys);
  });

  for (const profileName of ['beeline', 'generic-pppoe', undefined] as const) {
    it(`every verdict has a headline and steps in en, ru and uk, fully filled (profile: ${profileName ?? 'none'})`, () => {
      const profile = profileName ? profiles.get(profileName) : undefined;
      for (const { id } of VERDICT_ORDER) {
        const advice = adviceAll(verdict(id, id.startsWith('wan_flapping') ? { figures: [{ kind: 'count', value: 4 }] } : {}), profile);
        for (const lang of LANGS) {
          const a = advice[lang];
          expect(a.title, `${id} ${lang}`).to.be.a('string').and.not.match(/\{[a-zA-Z]+\}/);
          expect(a.title.length, `${id} ${lang}`).to.be.greaterThan(5);
          if (id !== 'ok') expect(a.steps.length, `${id} ${lang} steps`).to.be.within(1, 3);
          for (const s of a.steps) expect(s, `${id} ${lang}`).to.not.match(/\{[a-zA-Z]+\}/);
          if (lang !== 'en') {
            expect(a.title, `${id} ${lang} is translated`).to.match(/[а-яіїєґ]/i);
            expect(a.title).to.not.equal(advice.en.title);
          }
        }
      }
    });
  }

  it('Ukrainian is not Russian: the letters і/ї/є show up and ы/ъ/э do not', () => {
    const all = Object.values(CATALOGUES.uk).flatMap((m) => (typeof m === 'string' ? [m] : Array.isArray(m) ? m : Object.values(m))).join(' ');
    expect(all).to.match(/[іїє]/);
    expect(all).to.not.match(/[ыъэЫЪЭ]/);
    const ru = Object.values(CATALOGUES.ru).flatMap((m) => (typeof m === 'string' ? [m] : Array.isArray(m) ? m : Object.values(m))).join(' ');
    expect(ru).to.not.match(/[іїєґ]/);
  });

  it('puts the provider’s support phone and temporary-password route into the advice', () => {
    const beeline = profiles.get('beeline')!;
    const a = adviceFor(verdict('ppp_auth_failed.password_changed', { supportCode: '691' }), 'ru', beeline);
    expect(a.steps[0]).to.include('routerctl wan set-password');
    expect(a.steps[1]).to.include('8 800 700 8000').and.include('SMS');
    expect(a.supportCode).to.include('691');
    const down = adviceFor(verdict('isp_access_down'), 'en', beeline);
    expect(down.steps.join(' ')).to.include('call Beeline support at 8 800 700 8000');
    expect(down.support).to.equal(undefined); // the phone is in a step already: not twice
    const generic = adviceFor(verdict('isp_access_down'), 'uk', profiles.get('generic-pppoe'));
    expect(generic.steps.join(' ')).to.include('зателефонуйте до підтримки провайдера');
  });

  it('leaves out a step it cannot fill (no backup to restore)', () => {
    const v = verdict('router_not_configured');
    delete v.params['command'];
    const a = adviceFor(v, 'en', profiles.get('beeline'));
    expect(a.steps).to.have.length(1);
    expect(a.steps[0]).to.include('L2TP to tp.internet.beeline.ru, MTU 1460');
  });

  it('names the measuring method on latency figures, in every language', () => {
    const v = verdict('degraded.internet');
    expect(adviceFor(v, 'en').title).to.include('delay 180 ms (icmp), loss 7%');
    expect(adviceFor(v, 'ru').title).to.include('задержка 180 мс (icmp), потери 7%');
    expect(adviceFor(v, 'uk').title).to.include('затримка 180 мс (icmp), втрати 7%');
  });
});
