// The wizard's page: one HTML document, its stylesheet and its script, all served by the wizard itself
// (no CDN, no font, no image from anywhere: it works offline and leaks nothing). The texts of every
// language are embedded as JSON; the script (client.ts) picks the language and fills them in.
// Accessibility: real <form>s, <label>s and <button>s in a natural tab order, visible focus, one live
// region per step for progress, headings that take focus when a step opens, colours backed by words
// and marks (✓ ! ✗). Phones: one column, large touch targets, no horizontal scrolling.
import type { Lang } from '../i18n/index.js';
import type { PageTexts } from '../i18n/wizard.js';

export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "form-action 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON that is safe inside a <script> element. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const LANG_NAMES: Record<Lang, string> = { ru: 'Русский', uk: 'Українська', en: 'English' };

export function pageHtml(o: { lang: Lang; texts: Record<Lang, PageTexts> }): string {
  const title = String(o.texts[o.lang]['app.title']);
  const langButtons = (['ru', 'uk', 'en'] as const)
    .map((l) => `<button type="button" class="lang" data-lang="${l}" lang="${l}" aria-pressed="${l === o.lang}">${LANG_NAMES[l]}</button>`)
    .join('');
  const pwToggle = (controls: string) =>
    `<button type="button" class="toggle" aria-controls="${controls}" aria-pressed="false">Show</button>`;
  return `<!doctype html>
<html lang="${o.lang}" data-lang="${o.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<title>${esc(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/app.css">
<script id="texts" type="application/json">${scriptJson(o.texts)}</script>
<script src="/app.js" defer></script>
</head>
<body>
<header class="top">
  <h1 data-t="app.title">${esc(title)}</h1>
  <div class="langs" role="group" aria-label="Language" data-t-label="app.language">${langButtons}</div>
</header>
<nav aria-label="Steps" data-t-label="app.steps">
  <ol class="nav" id="nav">
    <li data-step="find"><span data-t="nav.find"></span></li>
    <li data-step="login"><span data-t="nav.login"></span></li>
    <li data-step="check"><span data-t="nav.check"></span></li>
    <li data-step="fix"><span data-t="nav.fix"></span></li>
    <li data-step="done"><span data-t="nav.done"></span></li>
  </ol>
</nav>
<main id="main">
  <p class="intro" data-t="app.intro"></p>
  <div id="banner" class="banner" role="alert" hidden></div>

  <section id="s-find" aria-labelledby="h-find">
    <h2 id="h-find" tabindex="-1"><span class="num" aria-hidden="true">1</span> <span data-t="find.heading"></span></h2>
    <ul class="progress" id="find-progress" aria-live="polite"></ul>
    <form id="find-form" class="card" method="post" hidden>
      <fieldset>
        <legend data-t="find.pick"></legend>
        <div id="router-list" class="choices"></div>
      </fieldset>
      <button type="submit" class="primary" data-t="find.continue"></button>
    </form>
    <p id="find-chosen" class="done-line" hidden></p>
    <div id="find-error" class="msg bad" role="alert" hidden></div>
    <button type="button" id="find-again" class="secondary" data-t="find.again" hidden></button>
  </section>

  <section id="s-login" aria-labelledby="h-login" hidden>
    <h2 id="h-login" tabindex="-1"><span class="num" aria-hidden="true">2</span> <span data-t="login.heading"></span></h2>
    <ul class="progress" id="login-progress" aria-live="polite"></ul>
    <div id="login-msg" class="msg" role="status" hidden></div>
    <form id="login-form" class="card" method="post" hidden>
      <p data-t="login.ask"></p>
      <p class="muted" data-t="login.sticker"></p>
      <label for="admin-password" data-t="login.field"></label>
      <div class="pw">
        <input id="admin-password" name="admin-password" type="password" autocomplete="current-password" autocapitalize="off" spellcheck="false" required aria-describedby="login-budget">
        ${pwToggle('admin-password')}
      </div>
      <label class="check"><input type="checkbox" id="remember" name="remember"> <span data-t="login.remember"></span></label>
      <p id="login-budget" class="note"></p>
      <button type="submit" class="primary" data-t="login.submit"></button>
    </form>
    <button type="button" id="login-retry" class="secondary" data-t="app.tryAgain" hidden></button>
  </section>

  <section id="s-check" aria-labelledby="h-check" hidden>
    <h2 id="h-check" tabindex="-1"><span class="num" aria-hidden="true">3</span> <span data-t="check.heading"></span></h2>
    <form id="check-form" class="card" method="post">
      <label class="check"><input type="checkbox" id="password-changed" name="password-changed"> <span data-t="check.changed"></span></label>
      <button type="submit" class="primary" id="check-submit" data-t="check.start"></button>
    </form>
    <ul class="progress" id="check-progress" aria-live="polite"></ul>
    <div id="check-result" aria-live="polite"></div>
  </section>

  <section id="s-fix" aria-labelledby="h-fix" hidden>
    <h2 id="h-fix" tabindex="-1"><span class="num" aria-hidden="true">4</span> <span data-t="fix.heading"></span></h2>
    <form id="fix-form" class="card" method="post">
      <p data-t="fix.intro"></p>
      <p id="fix-temp" class="note"></p>
      <label for="new-password" data-t="fix.field"></label>
      <div class="pw">
        <input id="new-password" name="new-password" type="password" autocomplete="new-password" autocapitalize="off" spellcheck="false" required>
        ${pwToggle('new-password new-password-repeat')}
      </div>
      <label for="new-password-repeat" data-t="fix.repeat"></label>
      <div class="pw">
        <input id="new-password-repeat" name="new-password-repeat" type="password" autocomplete="new-password" autocapitalize="off" spellcheck="false" required>
      </div>
      <p id="fix-error" class="msg bad" role="alert" hidden></p>
      <button type="submit" class="primary" data-t="fix.submit"></button>
    </form>
    <ul class="progress" id="fix-progress" aria-live="polite"></ul>
    <div id="fix-result" aria-live="polite"></div>
    <ul class="progress" id="recheck-progress" aria-live="polite"></ul>
    <div id="recheck-result"></div>
  </section>

  <section id="s-done" aria-labelledby="h-done" hidden>
    <h2 id="h-done" tabindex="-1"><span class="num" aria-hidden="true">5</span> <span data-t="report.heading"></span></h2>
    <p data-t="report.text"></p>
    <p><a id="report-link" class="button secondary" href="/api/report" download data-t="report.download"></a></p>
  </section>

  <footer class="foot">
    <button type="button" id="quit" class="link" data-t="app.quit"></button>
  </footer>
</main>
</body>
</html>
`;
}

export const PAGE_CSS = `
:root { --fg: #1d2125; --muted: #5b6470; --bg: #f6f7f9; --card: #fff; --line: #d9dde3; --accent: #0b5cad; --accent-fg: #fff;
  --good: #16753a; --warn: #8a5a00; --bad: #b3261e; --good-bg: #e8f5ec; --warn-bg: #fdf3dc; --bad-bg: #fdecea; --focus: #f0a30a; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e8eaed; --muted: #a3abb5; --bg: #15181c; --card: #1f2328; --line: #3a4048; --accent: #6aa8ff; --accent-fg: #0b1320;
    --good: #6fd08c; --warn: #f0c060; --bad: #ff8a80; --good-bg: #17301f; --warn-bg: #332a12; --bad-bg: #3a1b19; }
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 17px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; color: var(--fg); background: var(--bg); }
.top, nav, main { max-width: 44rem; margin: 0 auto; padding: 0 1rem; }
.top { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: .5rem 1rem; padding-top: 1rem; }
h1 { font-size: 1.45rem; margin: 0; }
h2 { font-size: 1.2rem; margin: 0 0 .6rem; display: flex; align-items: center; gap: .5rem; }
h2:focus { outline: none; }
h2:focus-visible { outline: 3px solid var(--focus); outline-offset: 3px; }
.num { display: inline-grid; place-items: center; width: 1.8rem; height: 1.8rem; border-radius: 50%; background: var(--accent); color: var(--accent-fg); font-size: 1rem; flex: none; }
.langs { display: flex; gap: .25rem; flex-wrap: wrap; }
.lang { font: inherit; font-size: .9rem; padding: .35rem .7rem; min-height: 2.5rem; border: 1px solid var(--line); background: var(--card); color: var(--fg); border-radius: .5rem; cursor: pointer; }
.lang[aria-pressed="true"] { background: var(--accent); color: var(--accent-fg); border-color: var(--accent); }
.nav { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem .9rem; padding: .6rem 0; margin: .5rem 0 0; border-bottom: 1px solid var(--line); font-size: .95rem; color: var(--muted); counter-reset: step; }
.nav li { counter-increment: step; }
.nav li::before { content: counter(step) ". "; }
.nav li[aria-current="step"] { color: var(--fg); font-weight: 600; }
.nav li.done { color: var(--good); }
.nav li.done::before { content: "✓ "; }
.intro { color: var(--muted); }
section { background: var(--card); border: 1px solid var(--line); border-radius: .8rem; padding: 1rem 1.1rem; margin: 1rem 0; }
.card { margin: .6rem 0; }
fieldset { border: 0; padding: 0; margin: 0 0 .8rem; }
legend { font-weight: 600; margin-bottom: .4rem; }
.choices { display: grid; gap: .5rem; }
.choice { display: flex; gap: .7rem; align-items: flex-start; padding: .7rem .8rem; border: 1px solid var(--line); border-radius: .6rem; cursor: pointer; }
.choice:has(input:checked) { border-color: var(--accent); box-shadow: 0 0 0 1px var(--accent); }
.choice input { margin-top: .35rem; width: 1.2rem; height: 1.2rem; flex: none; }
.choice { font-weight: normal; margin: 0; }
.choice .name { font-weight: 600; display: block; }
.choice .sub { color: var(--muted); font-size: .95rem; }
label { display: block; font-weight: 600; margin: .8rem 0 .3rem; }
label.check { display: flex; gap: .6rem; align-items: flex-start; font-weight: normal; }
label.check input { width: 1.25rem; height: 1.25rem; margin-top: .2rem; flex: none; }
.pw { display: flex; gap: .4rem; }
input[type="password"], input[type="text"] { font: inherit; width: 100%; min-width: 0; padding: .65rem .75rem; min-height: 2.9rem; border: 1px solid var(--line); border-radius: .5rem; background: var(--bg); color: var(--fg); }
button, .button { font: inherit; display: inline-block; text-decoration: none; text-align: center; padding: .65rem 1.2rem; min-height: 2.9rem; border-radius: .55rem; border: 1px solid var(--accent); cursor: pointer; }
.primary { background: var(--accent); color: var(--accent-fg); margin-top: .9rem; }
.secondary { background: transparent; color: var(--accent); margin-top: .6rem; }
.toggle { background: transparent; color: var(--accent); flex: none; padding: .5rem .8rem; }
.link { background: none; border: 0; color: var(--muted); text-decoration: underline; padding: .4rem; min-height: 2.5rem; }
button:disabled { opacity: .55; cursor: default; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.muted { color: var(--muted); }
.note { color: var(--muted); font-size: .95rem; }
.progress { list-style: none; padding: 0; margin: .4rem 0; }
.progress li { padding: .15rem 0 .15rem 1.6rem; position: relative; color: var(--muted); }
.progress li::before { content: "✓"; position: absolute; left: .2rem; color: var(--good); }
.progress li.now { color: var(--fg); }
.progress li.now::before { content: ""; width: .8rem; height: .8rem; top: .5rem; border: 2px solid var(--accent); border-right-color: transparent; border-radius: 50%; animation: spin 1s linear infinite; }
@keyframes spin { to { transform: rotate(360deg); } }
@media (prefers-reduced-motion: reduce) { .progress li.now::before { animation: none; } }
.msg { padding: .7rem .9rem; border-radius: .6rem; margin: .6rem 0; }
.msg.bad, .verdict.critical { background: var(--bad-bg); }
.msg.good, .verdict.ok { background: var(--good-bg); }
.msg.warn, .verdict.warning { background: var(--warn-bg); }
.msg p { margin: .3rem 0; }
.bad { color: var(--bad); }
.good { color: var(--good); }
.warn { color: var(--warn); }
.msg.bad, .msg.good, .msg.warn { color: var(--fg); }
.done-line { font-weight: 600; }
.done-line::before { content: "✓ "; color: var(--good); }
.verdict { border-radius: .7rem; padding: .8rem 1rem; margin: .8rem 0; }
.verdict.past { background: transparent; border: 1px dashed var(--line); color: var(--muted); padding: .5rem .8rem; }
.verdict.past .title { font-size: 1rem; font-weight: 600; margin: 0; }
.verdict .title { font-size: 1.15rem; font-weight: 700; margin: 0 0 .4rem; }
.verdict ol { margin: .3rem 0 .6rem; padding-left: 1.4rem; }
.verdict li { margin: .25rem 0; }
.big { font-size: 1.35rem; font-weight: 700; margin: .2rem 0; }
h3 { font-size: 1rem; margin: .9rem 0 .3rem; }
.chain { list-style: none; display: flex; flex-wrap: wrap; align-items: center; gap: .3rem; padding: 0; margin: .3rem 0; }
.chain li { display: inline-flex; align-items: center; gap: .3rem; font-size: .97rem; }
.chain li + li::before { content: "→"; color: var(--muted); margin: 0 .4rem 0 .1rem; }
.chain .mark { font-weight: 700; }
.chain [data-status="pass"] .mark { color: var(--good); }
.chain [data-status="warn"] .mark { color: var(--warn); }
.chain [data-status="fail"] .mark, .chain [data-status="error"] .mark { color: var(--bad); }
.chain [data-status="skip"] .mark { color: var(--muted); }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
code { font-family: ui-monospace, "Cascadia Mono", Menlo, Consolas, monospace; font-size: .9em; overflow-wrap: anywhere; background: var(--bg); padding: .1rem .3rem; border-radius: .3rem; }
details { margin: .5rem 0; color: var(--muted); font-size: .92rem; }
summary { cursor: pointer; }
.banner { background: var(--warn-bg); border: 1px solid var(--warn); padding: .8rem 1rem; border-radius: .6rem; margin: 1rem 0; font-weight: 600; }
.foot { text-align: center; margin: 1.2rem 0 2rem; }
@media (max-width: 30rem) {
  body { font-size: 16px; }
  section { padding: .85rem .8rem; border-radius: .6rem; }
  .primary, .secondary, .button { width: 100%; }
  .top { padding-top: .7rem; }
}
`;
