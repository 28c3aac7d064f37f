// The MikroTik tests' ISP account and raw REST requests (Basic auth, JSON bodies); the rest is shared
// (../support.ts). Hosts: 127.0.87.100–199.
import { OneAccountIsp as Isp, rawRequest, type RawReply } from '../support.js';

export { recordingCtx, waitFor, type RawReply, type Recorded } from '../support.js';

export class OneAccountIsp extends Isp {
  constructor() {
    super('mt-user', '100.64.9.2');
  }
}

export function raw(port: number, host: string, method: string, path: string, o: { auth?: [string, string]; body?: string } = {}): Promise<RawReply> {
  const headers: Record<string, string> = {};
  if (o.auth) headers.Authorization = `Basic ${Buffer.from(`${o.auth[0]}:${o.auth[1]}`, 'utf8').toString('base64')}`;
  if (o.body !== undefined) headers['Content-Type'] = 'application/json';
  return rawRequest(port, host, method, path, headers, o.body);
}
