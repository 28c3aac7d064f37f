// "Does the internet work from here?" — asked after a change, through the router just fixed.
// Any HTTP answer from a probe URL counts (a 204 or a 200); redirects are not followed, so a captive
// portal still counts as "reachable" here and is told apart by diagnostics, not by the sync.
import http from 'node:http';
import https from 'node:https';

export interface InternetCheck {
  ok: boolean;
  url?: string | undefined;
  status?: number | undefined;
  ms?: number | undefined;
  error?: string | undefined;
}

export function probeUrlsFor(templates: readonly string[], gateway: string): string[] {
  return templates.map((t) => t.replaceAll('{gateway}', encodeURIComponent(gateway)));
}

function probeOnce(url: string, timeoutMs: number): Promise<InternetCheck> {
  const started = performance.now();
  return new Promise((resolve) => {
    const client = url.startsWith('https:') ? https : http;
    const req = client.get(url, { timeout: timeoutMs }, (res) => {
      res.resume();
      resolve({ ok: true, url, status: res.statusCode, ms: Math.round(performance.now() - started) });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => resolve({ ok: false, url, error: err.message }));
  });
}

/** Probes all URLs in parallel; the first success wins. */
export async function checkInternet(urls: readonly string[], timeoutMs: number): Promise<InternetCheck> {
  if (urls.length === 0) return { ok: false, error: 'no probe URLs configured' };
  const results = await Promise.all(urls.map((u) => probeOnce(u, timeoutMs)));
  return results.find((r) => r.ok) ?? results[0]!;
}

/** Retries for a while: right after the WAN comes up, routes and NAT may need a moment. */
export async function waitForInternet(urls: readonly string[], timeoutMs: number, budgetMs: number, sleep: (ms: number) => Promise<void>): Promise<InternetCheck> {
  if (urls.length === 0) return checkInternet(urls, timeoutMs);
  const deadline = Date.now() + budgetMs;
  let last: InternetCheck;
  do {
    last = await checkInternet(urls, timeoutMs);
    if (last.ok) return last;
    await sleep(Math.min(500, Math.max(0, deadline - Date.now())));
  } while (Date.now() < deadline);
  return last;
}
