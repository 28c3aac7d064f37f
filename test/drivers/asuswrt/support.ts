// The ASUS tests' ISP account and raw requests in the router's app mode (cookie asus_token, an app
// User-Agent); the rest is shared (../support.ts). Hosts: 127.0.88.1–99.
import { OneAccountIsp as Isp, rawRequest, type RawReply } from '../support.js';

export { recordingCtx, waitFor, type RawReply } from '../support.js';

export class OneAccountIsp extends Isp {
  constructor() {
    super('asus-user', '100.64.88.2');
  }
}

export function raw(port: number, host: string, method: string, path: string, o: { cookie?: string; body?: string; contentType?: string } = {}): Promise<RawReply> {
  const headers: Record<string, string> = { 'User-Agent': 'asusrouter-test-DUTUtil-1' };
  if (o.cookie) headers.Cookie = `asus_token=${o.cookie}`;
  if (o.body !== undefined) headers['Content-Type'] = o.contentType ?? 'application/x-www-form-urlencoded';
  return rawRequest(port, host, method, path, headers, o.body);
}

export async function rawLogin(port: number, host: string, user: string, password: string): Promise<RawReply> {
  const body = new URLSearchParams({ login_authorization: Buffer.from(`${user}:${password}`, 'utf8').toString('base64') }).toString();
  return raw(port, host, 'POST', '/login.cgi', { body });
}
