// The watch's own outgoing requests (webhook alerts, dead-man's-switch pings) on node:http(s).
// Not fetch(): its first use loads undici and its WebAssembly parser, ~17 MB of RSS that a watch
// would then carry for months (measured; axios would add ~10 MB). Only the status matters here:
// the body is dropped, redirects are not followed, and no connection is kept.
import http from 'node:http';
import https from 'node:https';

export interface LightRequest {
  method: 'GET' | 'POST';
  headers?: Record<string, string> | undefined;
  body?: string | undefined;
  /** Ends the request (timeout, watch stopping); the promise then rejects with an AbortError. */
  signal: AbortSignal;
}

/** Sends one request and resolves with the answer's HTTP status. */
export function lightRequest(url: string, o: LightRequest): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const u = new URL(url);
    const lib = u.protocol === 'https:' ? https : u.protocol === 'http:' ? http : undefined;
    if (!lib) return reject(new Error(`not an http(s) URL: ${u.protocol}`));
    const body = o.body === undefined ? undefined : Buffer.from(o.body, 'utf8');
    const req = lib.request(u, {
      method: o.method,
      headers: { ...o.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
      agent: false,
      signal: o.signal,
    });
    req.once('response', (res) => {
      resolve(res.statusCode ?? 0);
      res.destroy();
    });
    req.once('error', reject);
    req.end(body);
  });
}
