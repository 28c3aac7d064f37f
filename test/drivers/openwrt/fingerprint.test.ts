import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { openwrtFingerprint, matchOpenWrt, UBUS_LIST_REQUEST, LUCI_REQUEST } from '../../../drivers/openwrt/fingerprint.js';
import { openwrtDriver } from '../../../drivers/openwrt/index.js';
import type { HttpProbe, Probe } from '../../../drivers/types.js';
import { realBodyRaw, realText } from './fixtures.js';
import { sharedFixture } from '../../shared-fixtures.js';

/** Headers and status out of a recorded raw HTTP response ("HTTP/1.1 200 OK\r\nName: value…"). */
function fromRawHttp(text: string, body = ''): HttpProbe {
  const lines = text.split(/\r?\n/).filter((l) => !l.startsWith('#'));
  const start = lines.findIndex((l) => l.startsWith('HTTP/'));
  const status = Number(lines[start]!.split(' ')[1]);
  const headers: Record<string, string> = {};
  for (const l of lines.slice(start + 1)) {
    if (l.trim() === '') break;
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { port: 80, status, headers, body };
}

// luci-base www/index.html as described in the protocol notes (§1).
const LUCI_LANDING = `<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.1//EN" "http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Cache-Control" content="no-cache" />
<meta http-equiv="refresh" content="0; URL=cgi-bin/luci/" />
</head>
<body style="background-color: white">
<a style="color: black; font-family: arial, helvetica, sans-serif;" href="cgi-bin/luci/">LuCI - Lua Configuration Interface</a>
</body>
</html>
`;

const UHTTPD_HEADERS = fromRawHttp(realText('80')).headers; // Connection, Keep-Alive, chunked, no Server

const ubusList = (body: string, status = 200): HttpProbe => ({ port: 80, status, headers: UHTTPD_HEADERS, body });
const uhttpdPage = (body: string, status = 200): HttpProbe => ({ port: 80, status, headers: UHTTPD_HEADERS, body });

function probe(p: Partial<Probe>): Probe {
  return { host: '127.0.0.1', extra: {}, ...p };
}

const openwrtFull = probe({
  http: uhttpdPage(LUCI_LANDING),
  ssh: { port: 22, banner: 'SSH-2.0-dropbear_2022.82' },
  extra: {
    [UBUS_LIST_REQUEST.id]: ubusList(realBodyRaw('62')),
    [LUCI_REQUEST.id]: {
      port: 80,
      status: 403,
      headers: { ...UHTTPD_HEADERS, 'x-luci-login-required': 'yes' },
      body: '<input name="luci_username" /><input type="password" name="luci_password" />',
    },
  },
});

// ---- other vendors -----------------------------------------------------------------------------

const keeneticHeaders = fromRawHttp(readFileSync(sharedFixture('keenetic', 'auth-get-401-challenge.http'), 'utf8')).headers;
const KEENETIC = probe({
  http: { port: 80, status: 200, headers: keeneticHeaders, body: '<!DOCTYPE html><html><head><title>Keenetic Web</title></head><body><div id="app"></div><script src="/main.js"></script></body></html>' },
  extra: { [UBUS_LIST_REQUEST.id]: { port: 80, status: 404, headers: keeneticHeaders, body: '' } },
});

const ASUS = probe({
  http: {
    port: 80,
    status: 200,
    headers: { server: 'httpd/2.0', 'x-frame-options': 'SAMEORIGIN', 'content-type': 'text/html' },
    body: '<html><head><title>ASUS Login</title><script>var login_info = tryParseJSON(\'{}\');</script></head><body><form name="form" action="login.cgi"><input name="login_authorization"></form></body></html>',
  },
  // ASUSWRT ships dropbear as well: weak alone.
  ssh: { port: 22, banner: 'SSH-2.0-dropbear' },
  extra: { [UBUS_LIST_REQUEST.id]: { port: 80, status: 404, headers: { server: 'httpd/2.0' }, body: '<html>404 Not Found</html>' } },
});

// TP-Link Archer firmware is LuCI-derived and uses /cgi-bin/luci/;stok= URLs, but is not OpenWrt.
const TPLINK = probe({
  http: {
    port: 80,
    status: 200,
    headers: { 'content-type': 'text/html', connection: 'close' },
    body: `<!DOCTYPE html><html><head><title>Opening...</title>
<script type="text/javascript" src="./js/su/su.js"></script>
<script>$.su.url.subs = "/cgi-bin/luci/;stok=/locale?form=lang"; var url = "/cgi-bin/luci/;stok=/login?form=login";</script>
</head><body><div id="main-content">TP-Link</div></body></html>`,
  },
  extra: { [UBUS_LIST_REQUEST.id]: { port: 80, status: 404, headers: {}, body: '' } },
});

const NGINX = probe({
  http: {
    port: 80,
    status: 200,
    headers: { server: 'nginx/1.24.0', 'content-type': 'text/html' },
    body: '<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head><body><h1>Welcome to nginx!</h1></body></html>',
  },
  extra: { [UBUS_LIST_REQUEST.id]: { port: 80, status: 405, headers: { server: 'nginx/1.24.0' }, body: '<html>405 Not Allowed</html>' } },
});

describe('openwrt fingerprint', () => {
  it('declares the ubus list probe exactly as the protocol notes give it', () => {
    expect(openwrtDriver.fingerprint).to.equal(openwrtFingerprint);
    const req = openwrtFingerprint.requests.find((r) => r.path === '/ubus')!;
    expect(req).to.include({ method: 'POST' });
    expect(JSON.parse(req.body!)).to.deep.equal({ jsonrpc: '2.0', id: 1, method: 'list' });
    expect(openwrtDriver).to.include({ family: 'openwrt', vendor: 'OpenWrt', defaultUser: 'root' });
  });

  it('a full OpenWrt (ubus list from fixture 62, LuCI landing, login, dropbear) → high confidence', () => {
    const r = matchOpenWrt(openwrtFull)!;
    expect(r.family).to.equal('openwrt');
    expect(r.confidence).to.be.greaterThan(0.95).and.at.most(1);
    expect(r.evidence.join('\n')).to.match(/ubus/).and.match(/LuCI/).and.match(/Server/).and.match(/dropbear/);
  });

  it('ubus without LuCI (fixture 62 alone) is enough', () => {
    const r = matchOpenWrt(probe({ http: uhttpdPage('', 404), extra: { [UBUS_LIST_REQUEST.id]: ubusList(realBodyRaw('62')) } }))!;
    expect(r.confidence).to.be.at.least(0.9);
  });

  it('ubus list answered with signatures (object form) counts too', () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, result: { session: { login: {} }, uci: { get: {} }, network: {} } });
    expect(matchOpenWrt(probe({ extra: { [UBUS_LIST_REQUEST.id]: ubusList(body) } }))!.confidence).to.be.at.least(0.9);
  });

  it('the LuCI landing page alone is a medium match', () => {
    const r = matchOpenWrt(probe({ http: uhttpdPage(LUCI_LANDING) }))!;
    expect(r.confidence).to.be.within(0.6, 0.8);
  });

  it('weak signals alone (no Server header, dropbear banner) never match', () => {
    expect(matchOpenWrt(probe({ http: uhttpdPage('<html>hello</html>'), ssh: { port: 22, banner: 'SSH-2.0-dropbear_2022.82' } }))).to.equal(null);
    expect(matchOpenWrt(probe({}))).to.equal(null);
  });

  it('a /ubus answer that is not a ubus object list does not count', () => {
    for (const body of ['', 'not json', '{"jsonrpc":"2.0","id":1,"result":["foo"]}', '{"result":["session","uci"]}', realBodyRaw('64')]) {
      expect(matchOpenWrt(probe({ extra: { [UBUS_LIST_REQUEST.id]: ubusList(body) } }))).to.equal(null);
    }
  });

  for (const [name, p] of [
    ['Keenetic', KEENETIC],
    ['ASUS', ASUS],
    ['TP-Link Archer (LuCI-derived URLs)', TPLINK],
    ['nginx default page', NGINX],
  ] as const) {
    it(`${name} → null`, () => expect(matchOpenWrt(p)).to.equal(null));
  }

  it('is pure: same answer twice, probe untouched', () => {
    const before = JSON.stringify(openwrtFull);
    expect(matchOpenWrt(openwrtFull)).to.deep.equal(matchOpenWrt(openwrtFull));
    expect(JSON.stringify(openwrtFull)).to.equal(before);
  });
});
