// Words for a verdict, in en / ru / uk: the headline, 1–3 steps, the support line from the ISP profile.
// Measured figures are rendered per language (units, plural forms) from the verdict's figures.
import { LANGS, hasKey, t, tList, type Lang, type MsgKey, type Params } from '../i18n/index.js';
import type { IspProfile } from './isp-profile.js';
import type { Figure, Finding, Verdict } from './types.js';

export interface AdviceText {
  title: string;
  steps: string[];
  /** "Support: Beeline, 8 800 700 8000", when the profile has a phone. */
  support?: string | undefined;
  /** "If you call support, name the error code 691." */
  supportCode?: string | undefined;
}

/** The decimal sign per language (CLDR): a comma in Russian and Ukrainian. */
const DECIMAL_SIGN: Record<Lang, string> = { en: '.', ru: ',', uk: ',' };

/**
 * Whole numbers from 10 up, one decimal below (0.6 ms, 12 ms, 640 ms), no grouping. Not
 * Intl.NumberFormat: for this one format it would map ~6 MB of ICU data into the watch process.
 */
function numberText(v: number | string, lang: Lang): string {
  if (typeof v !== 'number') return v;
  const rounded = Math.abs(v) >= 10 ? Math.round(v) : Math.round(v * 10) / 10;
  return String(Object.is(rounded, -0) ? 0 : rounded).replace('.', DECIMAL_SIGN[lang]);
}

export function figureText(f: Figure, lang: Lang): string {
  if (f.kind === 'seconds') return t(lang, 'ui.seconds', { count: Math.round(Number(f.value)) });
  if (f.kind === 'count') return t(lang, 'ui.drops', { count: Number(f.value) });
  return t(lang, `ui.fig.${f.kind}` as MsgKey, { value: numberText(f.value, lang), method: f.method });
}

export function figuresText(figures: readonly Figure[], lang: Lang): string {
  return figures.map((f) => figureText(f, lang)).join(', ');
}

function ispName(profile: IspProfile | undefined, lang: Lang): string {
  return profile?.displayName[lang] ?? { en: 'your provider', ru: 'ваш провайдер', uk: 'ваш провайдер' }[lang];
}

export function adviceParams(verdict: Pick<Verdict, 'params' | 'figures'> & { id: string }, lang: Lang, profile?: IspProfile): Params {
  const isp = ispName(profile, lang);
  const phone = profile?.support.phone ?? undefined;
  const outage = profile?.support.outageUrl ?? undefined;
  const callSupport = phone
    ? outage
      ? t(lang, 'ui.callSupport.phoneUrl', { isp, phone, url: outage })
      : t(lang, 'ui.callSupport.phone', { isp, phone })
    : t(lang, 'ui.callSupport.generic');
  const p = verdict.params;
  const params: Params = {
    ...p,
    isp,
    phone,
    callSupport,
    tempPassword: profile?.support.tempPassword?.[lang] ?? t(lang, 'ui.tempPassword.generic'),
  };
  if (typeof p['reasonCode'] === 'string') params['reason'] = t(lang, `ui.reason.${p['reasonCode']}` as MsgKey);
  if (verdict.id === 'router_not_configured' || verdict.id === 'wrong_wan_type') {
    if (p['manualProto']) {
      params['details'] = p['manualServer']
        ? t(lang, 'ui.manual.wan', { proto: p['manualProto'], server: p['manualServer'], mtu: p['mtu'] })
        : t(lang, 'ui.manual.wanNoServer', { proto: p['manualProto'], mtu: p['mtu'] });
    }
  } else if (verdict.figures.length > 0) {
    params['details'] = figuresText(verdict.figures, lang);
  }
  return params;
}

const UNFILLED = /\{[a-zA-Z0-9_]+\}/;

export function adviceFor(verdict: Verdict, lang: Lang, profile?: IspProfile): AdviceText {
  const params = adviceParams(verdict, lang, profile);
  const titleKey = `v.${verdict.id}.title` as MsgKey;
  const stepsKey = `v.${verdict.id}.steps` as MsgKey;
  // A step that needs something we do not have (no backup to restore, no command) is left out.
  const steps = tList(lang, stepsKey, params).filter((s) => !UNFILLED.test(s));
  const title = t(lang, titleKey, params).replace(/\s*\(\{[a-z]+\}\)|:?\s*\{[a-z]+\}/gi, '');
  const out: AdviceText = { title, steps };
  const phone = profile?.support.phone;
  // The support line, unless a step already gives the number.
  if (phone && verdict.severity !== 'ok' && !steps.some((s) => s.includes(phone))) out.support = t(lang, 'ui.support', { isp: ispName(profile, lang), phone });
  if (verdict.supportCode) out.supportCode = t(lang, 'ui.supportCode', { code: verdict.supportCode });
  return out;
}

export function adviceAll(verdict: Verdict, profile?: IspProfile): Record<Lang, AdviceText> {
  return Object.fromEntries(LANGS.map((l) => [l, adviceFor(verdict, l, profile)])) as Record<Lang, AdviceText>;
}

export function findingText(f: Finding, lang: Lang): string {
  const key = hasKey(f.message) ? f.message : 'finding.generic';
  return t(lang, key, { details: figuresText(f.figures, lang) || f.problems.join(', ') });
}
