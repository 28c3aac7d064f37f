// The page's script, served as /app.js (no build step, no framework: ~400 lines of plain JavaScript
// that every current browser runs). It renders UiState (src/ui/state.ts) as the server streams it
// over Server-Sent Events, and sends the person's answers as JSON POSTs. It never puts a password in
// a URL or in the page: a password field is read once on submit and emptied at once.
// Kept in a TypeScript string so `tsc` ships it with the rest (dist/ has no copy step); it must not
// contain a backtick or a dollar-brace.
export const CLIENT_JS = String.raw`(function () {
  'use strict';
  var TEXTS = JSON.parse(document.getElementById('texts').textContent);
  var LANGS = ['ru', 'uk', 'en'];
  var STORE_KEY = 'routerctl-ui-lang';
  var lang = initialLang();
  var state = null;
  var es = null;
  var firstRender = true;
  var started = false;
  var posting = false;
  var connectionLost = false;
  var postError = null;
  var rendered = {};
  var seen = {};
  var awaitingFix = false;

  function $(id) { return document.getElementById(id); }

  function langOf(tag) {
    var m = /^([a-z]{2,3})(?:[-_]|$)/i.exec(String(tag || '').trim());
    var code = m ? m[1].toLowerCase() : '';
    if (code === 'ua') code = 'uk';
    return LANGS.indexOf(code) >= 0 ? code : null;
  }

  function initialLang() {
    var saved = null;
    try { saved = window.localStorage.getItem(STORE_KEY); } catch (e) { saved = null; }
    if (saved && TEXTS[saved]) return saved;
    var list = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ''];
    for (var i = 0; i < list.length; i++) {
      var l = langOf(list[i]);
      if (l) return l;
    }
    var fromServer = document.documentElement.getAttribute('data-lang');
    return TEXTS[fromServer] ? fromServer : 'en';
  }

  function t(key, params) {
    var msg = TEXTS[lang][key];
    if (msg === undefined) msg = TEXTS.en[key];
    if (msg === undefined) return key;
    if (Array.isArray(msg)) msg = msg.join(' ');
    if (typeof msg === 'object') {
      var n = params && typeof params.count === 'number' ? params.count : 0;
      var form = new Intl.PluralRules(lang).select(n);
      msg = msg[form] || msg.other;
    }
    return String(msg).replace(/\{([a-zA-Z0-9_]+)\}/g, function (whole, name) {
      return params && params[name] !== undefined && params[name] !== null ? String(params[name]) : whole;
    });
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === undefined || v === null || v === false) return;
        if (k === 'text') node.textContent = v;
        else if (k === 'className') node.className = v;
        else node.setAttribute(k, v === true ? '' : String(v));
      });
    }
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function show(node, on) { node.hidden = !on; }

  function focusLater(node) {
    if (!node || firstRender) return;
    window.setTimeout(function () { try { node.focus(); } catch (e) { /* gone */ } }, 0);
  }

  // ------------------------------------------------------------------ server

  function post(path, body) {
    posting = true;
    postError = null;
    render();
    return fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body || {}),
      credentials: 'same-origin',
      cache: 'no-store',
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (j) {
        if (!res.ok && res.status !== 409) postError = j.error || ('HTTP ' + res.status);
      });
    }, function (err) {
      postError = String(err && err.message || err);
    }).then(function () {
      posting = false;
      render();
    });
  }

  function connect() {
    es = new EventSource('/api/events');
    es.addEventListener('state', function (ev) {
      var next = JSON.parse(ev.data);
      connectionLost = false;
      if (!state || next.version >= state.version) {
        state = next;
        render();
        autoStart();
      }
    });
    es.onerror = function () {
      if (state && state.stopped) return;
      connectionLost = true;
      render();
      if (es.readyState === 2) window.setTimeout(connect, 3000);
    };
  }

  function autoStart() {
    if (started || !state || state.busy || state.stopped) return;
    started = true;
    var f = state.find;
    if (!f.running && f.routers.length === 0 && f.progress.length === 0 && !f.error) post('/api/discover', {});
  }

  // ------------------------------------------------------------------ texts

  function applyStaticTexts() {
    document.documentElement.lang = lang;
    document.title = t('app.title');
    Array.prototype.forEach.call(document.querySelectorAll('[data-t]'), function (n) { n.textContent = t(n.getAttribute('data-t')); });
    Array.prototype.forEach.call(document.querySelectorAll('[data-t-label]'), function (n) { n.setAttribute('aria-label', t(n.getAttribute('data-t-label'))); });
    Array.prototype.forEach.call(document.querySelectorAll('button.lang'), function (b) { b.setAttribute('aria-pressed', String(b.getAttribute('data-lang') === lang)); });
    Array.prototype.forEach.call(document.querySelectorAll('button.toggle'), function (b) { b.textContent = t(b.getAttribute('aria-pressed') === 'true' ? 'app.hide' : 'app.show'); });
  }

  function setLang(l) {
    if (!TEXTS[l]) return;
    lang = l;
    try { window.localStorage.setItem(STORE_KEY, l); } catch (e) { /* private mode */ }
    rendered = {};
    applyStaticTexts();
    render();
  }

  // ------------------------------------------------------------------ pieces

  // Lines are appended, not redrawn, so a screen reader announces each new one once.
  function renderProgress(ul, lines, running) {
    lines = lines || [];
    var texts = lines.map(function (line) { return t(line.key, line.params); });
    var prev = rendered[ul.id] || { texts: [] };
    var same = prev.texts.length <= texts.length && prev.texts.every(function (x, i) { return i === prev.texts.length - 1 ? true : x === texts[i]; });
    if (!same || ul.children.length !== prev.texts.length) { clear(ul); prev = { texts: [] }; }
    for (var i = 0; i < texts.length; i++) {
      var li = ul.children[i];
      if (!li) { li = el('li', {}); ul.appendChild(li); }
      if (li.textContent !== texts[i]) li.textContent = texts[i];
      li.className = running && i === texts.length - 1 ? 'now' : '';
    }
    rendered[ul.id] = { texts: texts };
  }

  function details(error, extra) {
    if (!error && !extra) return null;
    var lines = [];
    if (error) lines.push(el('p', { text: error.code + ': ' + error.message }));
    if (extra) lines.push(el('p', { text: extra }));
    return el('details', {}, [el('summary', { text: t('app.details') })].concat(lines));
  }

  var MARKS = { pass: '\u2713', warn: '!', fail: '\u2717', error: '\u2717', skip: '\u2013' };

  function stepNode(text, d, offerForm) {
    var cmd = d.syncCommand;
    var i = cmd ? text.indexOf(cmd) : -1;
    if (i < 0) return el('li', { text: text });
    var middle = offerForm
      ? el('a', { href: '#s-fix', className: 'to-form', text: t('check.stepsLinkForm') })
      : el('code', { text: cmd });
    return el('li', {}, [text.slice(0, i), middle, text.slice(i + cmd.length)]);
  }

  function diagnosisNode(d, offerForm, past) {
    var adv = d.advice[lang] || d.advice.en;
    var sev = d.verdict.severity;
    var mark = sev === 'ok' ? MARKS.pass : sev === 'warning' ? '!' : MARKS.fail;
    var box = el('div', { className: 'verdict ' + (past ? 'past' : sev), 'data-verdict': d.verdict.id, 'data-severity': sev });
    if (past) {
      // Fixed since: only what it was, so the page reads top to bottom as what happened.
      box.appendChild(el('p', { className: 'title' }, [t('check.beforeFix') + ' ', el('span', { 'aria-hidden': 'true', text: mark + ' ' }), adv.title]));
      return box;
    }
    var title = el('p', { className: 'title', tabindex: '-1' }, [el('span', { 'aria-hidden': 'true', text: mark + ' ' }), adv.title]);
    box.appendChild(title);
    if (adv.steps.length) {
      box.appendChild(el('p', { text: t('ui.steps') }));
      box.appendChild(el('ol', {}, adv.steps.map(function (s) { return stepNode(s, d, offerForm); })));
    }
    if (adv.support) box.appendChild(el('p', { text: adv.support }));
    if (adv.supportCode) box.appendChild(el('p', { className: 'muted', text: adv.supportCode }));
    if (d.routerSkipped) box.appendChild(el('p', { className: 'muted', text: t('ui.routerSkipped', { reason: d.routerSkipped.replace(/_/g, ' ') }) }));
    box.appendChild(el('h3', { text: t('ui.checked') }));
    box.appendChild(el('ol', { className: 'chain', 'aria-label': t('check.chainLabel') }, d.chain.map(function (c) {
      return el('li', { 'data-segment': c.segment, 'data-status': c.status }, [
        el('span', { className: 'mark', 'aria-hidden': 'true', text: MARKS[c.status] || '?' }),
        t('seg.' + c.segment),
        el('span', { className: 'sr', text: ' (' + t('ui.status.' + c.status) + ')' }),
      ]);
    })));
    var also = d.secondary[lang] || [];
    if (also.length) {
      box.appendChild(el('p', { text: t('ui.also') }));
      box.appendChild(el('ul', {}, also.map(function (s) { return el('li', { text: s }); })));
    }
    box.appendChild(el('p', { className: 'muted', text: t('ui.confidence.' + d.verdict.confidence) + ' ' + t('ui.took', { count: Math.max(1, Math.round(d.durationMs / 1000)) }) }));
    return box;
  }

  // ------------------------------------------------------------------ steps

  function currentStep(s) {
    var d = s.check && s.check.diagnosis;
    if (s.fix && (s.fix.outcome === 'applied' || s.fix.outcome === 'unchanged')) return 'done';
    if (d && !d.passwordVerdict) return 'done';
    if (d && d.passwordVerdict) return 'fix';
    if (s.login && s.login.status === 'ok') return 'check';
    if (s.login) return 'login';
    return 'find';
  }

  function renderNav(s) {
    var order = ['find', 'login', 'check', 'fix', 'done'];
    var cur = order.indexOf(currentStep(s));
    Array.prototype.forEach.call(document.querySelectorAll('#nav li'), function (li) {
      var i = order.indexOf(li.getAttribute('data-step'));
      li.className = i < cur || (i === cur && cur === order.length - 1) ? 'done' : '';
      if (i === cur) li.setAttribute('aria-current', 'step'); else li.removeAttribute('aria-current');
    });
  }

  function routerName(r) {
    return r.model || t('find.routerOf', { family: r.familyName });
  }

  function renderFind(s) {
    var f = s.find;
    renderProgress($('find-progress'), f.progress, f.running);
    var chosen = s.login ? f.routers.filter(function (r) { return r.host === s.login.host; })[0] : null;
    var picking = !f.running && f.routers.length > 1 && !s.login;
    var form = $('find-form');
    if (picking) {
      var key = JSON.stringify([lang, f.routers]);
      if (rendered.picker !== key) {
        rendered.picker = key;
        var list = $('router-list');
        var prev = form.querySelector('input[name="router"]:checked');
        var want = prev ? prev.value : f.selected;
        clear(list);
        f.routers.forEach(function (r, i) {
          var sub = t('find.address', { host: r.host }) + (r.isGateway ? ' \u00b7 ' + t('find.gateway') : '') + (r.firmware ? ' \u00b7 ' + r.firmware : '');
          var input = el('input', { type: 'radio', name: 'router', value: r.host, id: 'router-' + i });
          input.checked = r.host === want || (!want && i === 0);
          list.appendChild(el('label', { className: 'choice', 'for': 'router-' + i }, [input, el('span', {}, [el('span', { className: 'name', text: routerName(r) }), el('span', { className: 'sub', text: sub })])]));
        });
      }
      if (!seen.picker) { seen.picker = true; focusLater(form.querySelector('input[name="router"]:checked')); }
    }
    show(form, picking);
    var line = $('find-chosen');
    show(line, !!chosen);
    if (chosen) line.textContent = t('find.chosen', { name: chosen.model || chosen.familyName, host: chosen.host });
    var err = $('find-error');
    show(err, !!f.error);
    if (f.error) { clear(err); err.appendChild(el('p', { text: t('app.error') })); err.appendChild(details(f.error)); }
    show($('find-again'), !f.running && !s.busy && !(s.login && s.login.status === 'ok') && (f.routers.length === 0 || !!f.error || picking));
  }

  function loginMessage(l) {
    if (l.status === 'ok') return { cls: 'good', text: t(l.source === 'saved' ? 'login.okSaved' : l.source === 'default' ? 'login.okDefault' : 'login.ok') };
    if (l.status === 'trying') return null;
    var minutes = l.error && l.error.retryAfterSeconds ? Math.max(1, Math.ceil(l.error.retryAfterSeconds / 60)) : l.budget.windowMinutes;
    var words = {
      factory_refused: 'login.factoryRefused', saved_refused: 'login.savedRefused', wrong: 'login.wrong', locked: 'login.locked',
      busy: 'login.busy', unreachable: 'login.unreachable', failed: 'login.failed',
    };
    return { cls: l.reason === 'factory_refused' ? 'warn' : 'bad', text: t(words[l.reason] || 'login.failed', { minutes: minutes }), error: l.status === 'error' || l.reason === 'wrong' || l.reason === 'locked' ? l.error : null };
  }

  function renderLogin(s) {
    var l = s.login;
    show($('s-login'), !!l);
    if (!l) { seen.loginForm = false; return; }
    if (!seen.login) { seen.login = true; focusLater($('h-login')); }
    renderProgress($('login-progress'), l.progress, l.running);
    var m = loginMessage(l);
    var box = $('login-msg');
    var key = JSON.stringify([lang, l.status, l.reason, l.source, l.error, l.budget]);
    if (rendered.loginMsg !== key) {
      rendered.loginMsg = key;
      clear(box);
      if (m) {
        box.className = 'msg ' + m.cls;
        box.appendChild(el('p', { text: m.text }));
        var det = details(m.error);
        if (det) box.appendChild(det);
      }
    }
    show(box, !!m);
    var asking = l.status === 'ask' && !l.running;
    show($('login-form'), asking);
    if (asking) {
      var b = l.budget;
      $('login-budget').textContent = t('login.budget', { count: b.remaining, minutes: b.windowMinutes }) +
        (typeof b.routerAttemptsLeft === 'number' ? ' ' + t('login.routerBudget', { count: b.routerAttemptsLeft }) : '');
      if (!seen.loginForm) { seen.loginForm = true; focusLater($('admin-password')); }
    } else {
      seen.loginForm = false;
    }
    show($('login-retry'), l.status === 'error' && !l.running);
  }

  function renderCheck(s) {
    var on = !!(s.login && s.login.status === 'ok');
    show($('s-check'), on);
    if (!on) { seen.check = false; return; }
    if (!seen.check) { seen.check = true; focusLater($('h-check')); }
    var c = s.check;
    var running = !!(c && c.running);
    show($('check-form'), !running);
    $('check-submit').textContent = t(c && (c.diagnosis || c.error) ? 'check.again' : 'check.start');
    renderProgress($('check-progress'), c ? c.progress : [], running);
    var out = $('check-result');
    var past = !!(s.fix && s.fix.outcome === 'applied');
    var key = JSON.stringify([lang, c && c.diagnosis, c && c.error, past]);
    if (rendered.check !== key) {
      var fresh = !!(c && c.diagnosis) && !past && rendered.checkVerdict !== JSON.stringify(c.diagnosis);
      rendered.check = key;
      clear(out);
      if (c && c.diagnosis) {
        out.appendChild(diagnosisNode(c.diagnosis, c.diagnosis.passwordVerdict, past));
        if (fresh) { rendered.checkVerdict = JSON.stringify(c.diagnosis); focusLater(out.querySelector('.title')); }
      } else if (c && c.error) {
        out.appendChild(el('div', { className: 'msg bad' }, [el('p', { text: t('app.error') }), details(c.error)]));
      }
    }
  }

  function fixResultNode(f, d) {
    var temp = d ? d.tempPassword[lang] : '';
    var box;
    if (f.outcome === 'applied' && f.internetOk) {
      box = el('div', { className: 'msg good', 'data-outcome': 'applied' }, [el('p', { className: 'big', text: '\u2713 ' + t('done.works') }), el('p', { text: t('done.worksDetail') })]);
    } else if (f.outcome === 'applied') {
      box = el('div', { className: 'msg warn', 'data-outcome': 'applied' }, [el('p', { text: t('done.noInternetYet') })]);
    } else if (f.outcome === 'unchanged') {
      box = el('div', { className: 'msg good', 'data-outcome': 'unchanged' }, [el('p', { text: t('done.unchanged') })]);
    } else if (f.outcome === 'rolled_back') {
      var auth = f.reason === 'auth_failed';
      box = el('div', { className: 'msg bad', 'data-outcome': 'rolled_back' }, [
        el('p', { className: 'big', text: t(auth ? 'done.rolledBackAuth' : 'done.rolledBackOther') }),
        el('p', { text: t('done.putBack') }),
        el('p', { text: auth ? t('done.rolledBackAuthHint', { tempPassword: temp || '' }) : t('done.tryLater') }),
      ]);
      var again = el('button', { type: 'button', className: 'secondary', text: t('fix.another') });
      again.addEventListener('click', function () { $('new-password').focus(); });
      box.appendChild(again);
    } else if (f.outcome === 'restore_failed' || f.outcome === 'lost') {
      box = el('div', { className: 'msg bad', 'data-outcome': f.outcome }, [
        el('p', { text: t(f.outcome === 'lost' ? 'done.lost' : 'done.restoreFailed') }),
        f.restoreCommand ? el('p', {}, [el('code', { text: f.restoreCommand })]) : null,
      ]);
    } else {
      box = el('div', { className: 'msg bad', 'data-outcome': 'failed' }, [el('p', { text: t('done.failed') })]);
    }
    var det = details(f.error, f.backupFile && f.outcome !== 'restore_failed' && f.outcome !== 'lost' ? f.backupFile : null);
    if (det) box.appendChild(det);
    box.setAttribute('tabindex', '-1');
    return box;
  }

  function renderFix(s) {
    var d = s.check && s.check.diagnosis;
    var loggedIn = !!(s.login && s.login.status === 'ok');
    var f = s.fix;
    var on = loggedIn && (!!(d && d.passwordVerdict) || !!f);
    show($('s-fix'), on);
    if (!on) return;
    var temp = d ? d.tempPassword[lang] : '';
    $('fix-temp').textContent = temp ? t('fix.temp', { tempPassword: temp }) : '';
    show($('fix-temp'), !!temp);
    var formOn = !f || (!f.running && (f.outcome === 'rolled_back' || f.outcome === 'failed'));
    show($('fix-form'), formOn);
    renderProgress($('fix-progress'), f ? f.progress : [], !!(f && f.running));
    var out = $('fix-result');
    var key = JSON.stringify([lang, f && f.outcome, f && f.reason, f && f.internetOk, f && f.error, f && f.restoreCommand, temp]);
    if (rendered.fix !== key) {
      rendered.fix = key;
      clear(out);
      if (f && f.outcome) {
        var node = fixResultNode(f, d);
        out.appendChild(node);
        // The answer to what the person just sent: move there (screen readers read it out).
        if (awaitingFix && !f.running) { awaitingFix = false; focusLater(node); }
      }
    }
    var r = f && f.recheck;
    renderProgress($('recheck-progress'), r ? r.progress : [], !!(r && r.running));
    var rout = $('recheck-result');
    var rkey = JSON.stringify([lang, r && r.diagnosis, r && r.error]);
    if (rendered.recheck !== rkey) {
      rendered.recheck = rkey;
      clear(rout);
      if (r && r.diagnosis) rout.appendChild(diagnosisNode(r.diagnosis, false, false));
    }
  }

  function renderDone(s) {
    show($('s-done'), !!s.reportAvailable);
  }

  function renderBanner(s) {
    var b = $('banner');
    var text = s.stopped ? t('app.stopped.' + s.stopped) : connectionLost ? t('app.connectionLost') : postError ? t('app.error') + ' (' + postError + ')' : '';
    b.textContent = text;
    show(b, !!text);
    if (s.stopped && es) { es.close(); es = null; }
  }

  function setDisabled(s) {
    var off = !!s.busy || posting || !!s.stopped;
    Array.prototype.forEach.call(document.querySelectorAll('main form button[type="submit"], #find-again, #login-retry, #quit'), function (b) {
      b.disabled = off;
    });
    $('report-link').setAttribute('aria-disabled', String(!!s.stopped));
  }

  function render() {
    if (!state) return;
    var s = state;
    renderNav(s);
    renderFind(s);
    renderLogin(s);
    renderCheck(s);
    renderFix(s);
    renderDone(s);
    renderBanner(s);
    setDisabled(s);
    firstRender = false;
  }

  // ------------------------------------------------------------------ answers

  function resetToggles() {
    Array.prototype.forEach.call(document.querySelectorAll('button.toggle'), function (b) {
      b.setAttribute('aria-pressed', 'false');
      b.textContent = t('app.show');
      b.getAttribute('aria-controls').split(' ').forEach(function (id) { $(id).type = 'password'; });
    });
  }

  function wire() {
    Array.prototype.forEach.call(document.querySelectorAll('button.lang'), function (b) {
      b.addEventListener('click', function () { setLang(b.getAttribute('data-lang')); });
    });
    Array.prototype.forEach.call(document.querySelectorAll('button.toggle'), function (b) {
      b.addEventListener('click', function () {
        var on = b.getAttribute('aria-pressed') !== 'true';
        b.setAttribute('aria-pressed', String(on));
        b.textContent = t(on ? 'app.hide' : 'app.show');
        b.getAttribute('aria-controls').split(' ').forEach(function (id) { $(id).type = on ? 'text' : 'password'; });
      });
    });
    $('find-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      var picked = $('find-form').querySelector('input[name="router"]:checked');
      if (picked) post('/api/login', { host: picked.value });
    });
    $('find-again').addEventListener('click', function () { seen = {}; post('/api/discover', {}); });
    $('login-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      var input = $('admin-password');
      var password = input.value;
      input.value = '';
      resetToggles();
      if (!password) { input.focus(); return; }
      post('/api/login', { host: state.login.host, password: password, remember: $('remember').checked });
    });
    $('login-retry').addEventListener('click', function () { post('/api/login', { host: state.login.host }); });
    $('check-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      post('/api/check', { passwordChanged: $('password-changed').checked });
    });
    $('fix-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      var a = $('new-password');
      var b = $('new-password-repeat');
      var err = $('fix-error');
      var problem = !a.value ? 'fix.empty' : a.value !== b.value ? 'fix.mismatch' : a.value.length > 1024 ? 'fix.tooLong' : null;
      if (problem) {
        err.textContent = t(problem);
        err.hidden = false;
        if (problem === 'fix.mismatch') b.value = '';
        (problem === 'fix.mismatch' ? b : a).focus();
        return;
      }
      err.hidden = true;
      var password = a.value;
      a.value = '';
      b.value = '';
      resetToggles();
      awaitingFix = true;
      post('/api/sync', { password: password });
    });
    document.addEventListener('click', function (ev) {
      var target = ev.target;
      if (target && target.classList && target.classList.contains('to-form')) {
        ev.preventDefault();
        $('new-password').focus();
      }
    });
    $('quit').addEventListener('click', function () { post('/api/quit', {}); });
  }

  applyStaticTexts();
  wire();
  connect();
})();
`;
