// Opens an OpenWrt session over the transport the context asks for (HTTP /ubus by default, or SSH).

import type https from 'node:https';
import type { Credentials, DriverContext, DriverSession, Target } from '../types.js';
import { HttpSession } from './session-http.js';
import { SshSession } from './session-ssh.js';
import { SshTransport, type HostVerifier } from './ssh-transport.js';
import { UbusClient } from './ubus-client.js';

/** Login session timeout asked for at connect: long enough for usual confirm windows without a new login. */
const LOGIN_TIMEOUT_S = 600;

export interface ConnectOptions {
  /** SSH host-key check; any key is accepted when absent. */
  hostVerifier?: HostVerifier | undefined;
  /** HTTPS agent (certificate pinning); the router's self-signed certificate is accepted when absent. */
  httpsAgent?: https.Agent | undefined;
}

export async function connectOpenWrt(
  target: Target,
  credentials: Credentials,
  ctx: DriverContext,
  opts: ConnectOptions = {},
): Promise<DriverSession> {
  if (ctx.transport === 'ssh') {
    const ssh = await SshTransport.connect({
      host: target.host,
      port: target.sshPort ?? 22,
      username: credentials.username,
      password: credentials.password,
      timeoutMs: ctx.requestTimeoutMs,
      maxResponseBytes: ctx.maxResponseBytes,
      logger: ctx.logger,
      hostVerifier: opts.hostVerifier,
      signal: ctx.signal,
    });
    return new SshSession(ssh, ctx.logger);
  }
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  const useHttps = target.https === true && target.httpsPort !== undefined;
  const baseUrl = useHttps ? `https://${host}:${target.httpsPort}` : `http://${host}:${target.httpPort}`;
  const client = new UbusClient({
    baseUrl,
    timeoutMs: ctx.requestTimeoutMs,
    maxResponseBytes: ctx.maxResponseBytes,
    logger: ctx.logger,
    httpsAgent: opts.httpsAgent,
    signal: ctx.signal,
  });
  await client.login(credentials.username, credentials.password, LOGIN_TIMEOUT_S);
  return new HttpSession(client, ctx.logger);
}
