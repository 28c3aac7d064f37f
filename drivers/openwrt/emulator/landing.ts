// Why: what a browser (and discovery) sees without /ubus: luci-base's www/index.html meta-refresh page and the
// ucode LuCI dispatcher's 403 login form with X-LuCI-Login-Required (openwrt.md §1 and §2.5).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SessionManager } from './rpcd-session.js';
import { readBody, uhttpdHeaders } from './ubus-http.js';

/** luci-base/root/www/index.html */
export const INDEX_HTML = `<!DOCTYPE html>
<html>
	<head>
		<meta http-equiv="Cache-Control" content="no-cache, no-store, must-revalidate" />
		<meta http-equiv="Pragma" content="no-cache" />
		<meta http-equiv="Expires" content="0" />
		<meta http-equiv="refresh" content="0; URL=cgi-bin/luci/" />
		<style type="text/css">
			body { background: white; font-family: arial, helvetica, sans-serif; }
			a { color: black; }

			@media (prefers-color-scheme: dark) {
				body { background: black; }
				a { color: white; }
			}
		</style>
	</head>
	<body>
		<a href="cgi-bin/luci/">LuCI - Lua Configuration Interface</a>
	</body>
</html>
`;

const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Bootstrap theme sysauth.ut, reduced to what matters (title "<hostname> - LuCI", the two field names). */
function loginPage(hostname: string, failed: boolean): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(hostname)} - LuCI</title>
<meta name="viewport" content="initial-scale=1.0">
<link rel="stylesheet" href="/luci-static/bootstrap/cascade.css">
</head>
<body class="lang_en" data-page="admin">
<header><div class="fill"><div class="container"><a class="brand" href="/">${escapeHtml(hostname)}</a></div></div></header>
<div id="maincontent" class="container">
${failed ? '<div class="alert-message error">Invalid username and/or password! Please try again.</div>\n' : ''}<form method="post">
<div class="cbi-map">
<h2 name="content">Authorization Required</h2>
<div class="cbi-map-descr">Please enter your username and password.</div>
<div class="cbi-section"><div class="cbi-section-node">
<div class="cbi-value"><label class="cbi-value-title" for="luci_username">Username</label>
<div class="cbi-value-field"><input class="cbi-input-text" type="text" name="luci_username" id="luci_username" autocomplete="username" value="root"></div></div>
<div class="cbi-value cbi-value-last"><label class="cbi-value-title" for="luci_password">Password</label>
<div class="cbi-value-field"><input class="cbi-input-text" type="password" name="luci_password" id="luci_password" autocomplete="current-password"></div></div>
</div></div>
</div>
<div class="cbi-page-actions"><button class="btn cbi-button cbi-button-apply">Log in</button></div>
</form>
</div>
<footer><a href="https://github.com/openwrt/luci">Powered by LuCI openwrt-25.12 branch</a> / OpenWrt 25.12.0-rc1</footer>
</body>
</html>
`;
}

function statusPage(hostname: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(hostname)} - Overview - LuCI</title>
</head>
<body class="lang_en" data-page="admin-status-overview">
<div id="maincontent" class="container"><h2 name="content">Status</h2></div>
</body>
</html>
`;
}

export interface LandingDeps {
  hostname(): string;
  sessions: () => SessionManager;
}

/** GET / and /index.html (uhttpd static file: Content-Length, no chunking). */
export function serveIndex(res: ServerResponse): void {
  res.statusCode = 200;
  res.statusMessage = 'OK';
  uhttpdHeaders(res, undefined, false);
  res.setHeader('ETag', '"3f1-1766089549-19e"');
  res.setHeader('Last-Modified', 'Thu, 18 Dec 2025 20:05:49 GMT');
  res.setHeader('Content-Type', 'text/html');
  res.setHeader('Content-Length', String(Buffer.byteLength(INDEX_HTML)));
  res.end(INDEX_HTML);
}

function cookieSid(req: IncomingMessage): string | undefined {
  const m = /(?:^|;\s*)sysauth_http=([0-9a-f]{32})/.exec(req.headers.cookie ?? '');
  return m?.[1];
}

function luciHeaders(res: ServerResponse, status: number, message: string): void {
  res.statusCode = status;
  res.statusMessage = message;
  uhttpdHeaders(res, undefined);
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('Expires', '0');
  res.setHeader('X-Frame-Options', 'SAMEORIGIN');
  res.setHeader('X-XSS-Protection', '1; mode=block');
  res.setHeader('X-Content-Type-Options', 'nosniff');
}

/** /cgi-bin/luci[/...]: 403 login form unless a sysauth_http cookie names a live session. */
export async function handleLuci(deps: LandingDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const hostname = deps.hostname();
  if (req.method === 'POST') {
    const form = new URLSearchParams(await readBody(req, 65536));
    const user = form.get('luci_username');
    const pass = form.get('luci_password');
    if (user !== null && pass !== null) {
      const r = deps.sessions().login(user, pass, 3600); // luci.sauth.sessiontime
      if (r.status === 0 && r.data) {
        const sid = String(r.data.ubus_rpc_session);
        luciHeaders(res, 302, 'Found');
        res.setHeader('Set-Cookie', `sysauth_http=${sid}; path=/cgi-bin/luci/; SameSite=strict; HttpOnly`);
        res.setHeader('Location', '/cgi-bin/luci/');
        res.setHeader('Content-Type', 'text/html; charset=UTF-8');
        res.end();
        return;
      }
      luciHeaders(res, 403, 'Forbidden');
      res.setHeader('X-LuCI-Login-Required', 'yes');
      res.setHeader('Content-Type', 'text/html; charset=UTF-8');
      res.end(loginPage(hostname, true));
      return;
    }
  }
  const sid = cookieSid(req);
  if (sid && deps.sessions().exists(sid)) {
    luciHeaders(res, 200, 'OK');
    res.setHeader('Content-Type', 'text/html; charset=UTF-8');
    res.end(statusPage(hostname));
    return;
  }
  luciHeaders(res, 403, 'Forbidden');
  res.setHeader('X-LuCI-Login-Required', 'yes');
  res.setHeader('Content-Type', 'text/html; charset=UTF-8');
  res.end(loginPage(hostname, false));
}

/** uhttpd's uh_client_error 404. */
export function notFound(req: IncomingMessage, res: ServerResponse): void {
  res.statusCode = 404;
  res.statusMessage = 'Not Found';
  uhttpdHeaders(res, 'text/html');
  res.end(`<h1>Not Found</h1>The requested URL ${escapeHtml((req.url ?? '/').split('?')[0]!)} was not found on this server.`);
}
