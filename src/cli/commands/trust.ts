// `routerctl trust`: shows the HTTPS certificate and SSH host key a router presents next to the ones
// routerctl trusts, and accepts new ones when the user says so (after a reset, a firmware update or a
// new router). Nothing secret is sent: the TLS handshake ends before any request, and the SSH
// connection is dropped at the host-key check, before authentication.
import net from 'node:net';
import tls from 'node:tls';
import ssh2 from 'ssh2';
import type { Target } from '../../../drivers/types.js';
import { UsageError } from '../../core/errors.js';
import { chooseRouter, targetFromHost } from '../../core/router.js';
import { sshFingerprint, sshKeyType } from '../../transport/ssh.js';
import { httpsEndpoint, sshEndpoint, TrustStore, type TrustEntry } from '../../transport/trust.js';
import { LEGACY_TLS_OPTIONS, tlsFingerprint } from '../../transport/tls.js';
import type { App, GlobalArgs } from '../app.js';

export interface TrustArgs extends GlobalArgs {
  host?: string | undefined;
  yes?: boolean | undefined;
  fingerprint?: string | undefined;
  forget?: boolean | undefined;
  'https-port'?: number | undefined;
  'ssh-port'?: number | undefined;
}

interface Presented {
  fingerprint: string;
  subject?: string | undefined;
}

interface EndpointReport {
  kind: 'https' | 'ssh';
  endpoint: string;
  pinned?: string | undefined;
  presented?: string | undefined;
  status: 'new' | 'same' | 'changed' | 'unreachable';
  trusted: boolean;
}

/** The certificate an HTTPS port presents; old TLS is allowed here because nothing is sent. */
export function presentedCertificate(host: string, port: number, timeoutMs: number): Promise<Presented | undefined> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (v: Presented | undefined): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(v);
    };
    const socket = tls.connect({
      host,
      port,
      rejectUnauthorized: false,
      ...(net.isIP(host) === 0 ? { servername: host } : {}),
      ...LEGACY_TLS_OPTIONS,
    });
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      const cn = cert?.subject?.CN;
      finish(cert?.fingerprint256 ? { fingerprint: tlsFingerprint(cert), subject: typeof cn === 'string' ? cn : undefined } : undefined);
    });
    socket.once('error', () => finish(undefined));
  });
}

/** The host key an SSH port presents; the connection is refused at the key check, before any login. */
export function presentedHostKey(host: string, port: number, timeoutMs: number): Promise<Presented | undefined> {
  return new Promise((resolve) => {
    let seen: Presented | undefined;
    let done = false;
    const client = new ssh2.Client();
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      client.end();
      resolve(seen);
    };
    const timer = setTimeout(finish, timeoutMs);
    client.on('error', finish);
    client.on('close', finish);
    client.on('ready', finish);
    client.connect({
      host,
      port,
      username: 'routerctl-trust',
      readyTimeout: timeoutMs,
      hostVerifier: (key: Buffer) => {
        seen = { fingerprint: sshFingerprint(key), subject: sshKeyType(key) };
        setImmediate(finish);
        return false;
      },
    });
  });
}

async function confirm(message: string): Promise<boolean> {
  const { confirm: ask } = await import('@inquirer/prompts');
  try {
    return await ask({ message, default: false }, { output: process.stderr });
  } catch {
    return false;
  }
}

export async function runTrust(app: App, args: TrustArgs): Promise<Record<string, unknown>> {
  let target: Target;
  if (args.host) target = targetFromHost(app.config, args.host);
  else target = (await chooseRouter(app.config, {}, app.logger)).target;
  const httpsPort = args['https-port'] ?? target.httpsPort;
  const sshPort = args['ssh-port'] ?? target.sshPort;
  const fingerprint = args.fingerprint?.trim();
  if (fingerprint !== undefined && !/^SHA256:[A-Za-z0-9+/:=]{8,200}$/.test(fingerprint)) {
    throw new UsageError('--fingerprint takes a fingerprint as routerctl trust shows it, e.g. SHA256:AB:CD:… (HTTPS) or SHA256:abc… (SSH)');
  }
  const store = TrustStore.inStateDir(app.paths.stateDir);
  const pins = await store.read();
  const timeoutMs = Math.max(app.config.discovery.probeTimeoutMs, 1000);
  const p = app.printer;

  const endpoints: { kind: 'https' | 'ssh'; key: string; port: number }[] = [];
  if (httpsPort !== undefined) endpoints.push({ kind: 'https', key: httpsEndpoint(target.host, httpsPort), port: httpsPort });
  if (sshPort !== undefined) endpoints.push({ kind: 'ssh', key: sshEndpoint(target.host, sshPort), port: sshPort });

  if (args.forget) {
    const forgotten: string[] = [];
    for (const e of endpoints) if (await store.forget(e.key)) forgotten.push(e.key);
    p.line(forgotten.length ? `Forgot ${forgotten.join(', ')}; the next connection trusts what it sees first.` : `Nothing was trusted for ${target.host}.`);
    return { host: target.host, forgotten };
  }

  const reports: EndpointReport[] = [];
  const seen = await Promise.all(
    endpoints.map((e) => (e.kind === 'https' ? presentedCertificate(target.host, e.port, timeoutMs) : presentedHostKey(target.host, e.port, timeoutMs))),
  );
  for (const [i, e] of endpoints.entries()) {
    const presented = seen[i];
    const pinned = pins[e.key];
    const status: EndpointReport['status'] = !presented ? 'unreachable' : !pinned ? 'new' : pinned.fingerprint === presented.fingerprint ? 'same' : 'changed';
    const report: EndpointReport = { kind: e.kind, endpoint: e.key, pinned: pinned?.fingerprint, presented: presented?.fingerprint, status, trusted: status === 'same' };
    reports.push(report);
    const label = `${e.kind === 'https' ? 'HTTPS certificate' : 'SSH host key'} of ${target.host}:${e.port}`;
    if (status === 'unreachable') {
      p.line(`${label}: no answer`);
      continue;
    }
    p.line(`${p.heading(label)}`);
    if (pinned) p.line(`  trusted:  ${pinned.fingerprint} (${pinned.how === 'trust' ? 'accepted' : 'first seen'} ${pinned.since.slice(0, 10)})`);
    p.line(`  presents: ${presented!.fingerprint}${presented!.subject ? ` (${presented!.subject})` : ''}${status === 'same' ? p.good('  same') : status === 'changed' ? p.bad('  CHANGED') : '  not trusted yet'}`);
    if (status === 'same') continue;
    let accept: boolean;
    if (fingerprint !== undefined) accept = fingerprint === presented!.fingerprint;
    else if (args.yes) accept = true;
    else if (app.interactive) {
      if (status === 'changed') p.line('  This is expected after a reset, a firmware update or a new router. If none of that happened, do not accept it.');
      accept = await confirm(`Trust this ${e.kind === 'https' ? 'certificate' : 'host key'} for ${target.host}:${e.port}?`);
    } else accept = false;
    if (accept) {
      const entry: TrustEntry = { fingerprint: presented!.fingerprint, since: new Date().toISOString(), how: 'trust', ...(presented!.subject ? { subject: presented!.subject.slice(0, 200) } : {}) };
      await store.pin(e.key, entry);
      report.trusted = true;
      p.line(p.good('  trusted'));
    }
  }

  const pendingChanges = reports.filter((r) => !r.trusted && (r.status === 'changed' || r.status === 'new'));
  if (reports.every((r) => r.status === 'unreachable')) {
    throw new UsageError(`neither HTTPS${httpsPort ? ` (port ${httpsPort})` : ''} nor SSH${sshPort ? ` (port ${sshPort})` : ''} answers at ${target.host}; name the ports with --https-port / --ssh-port`);
  }
  if (fingerprint !== undefined && !reports.some((r) => r.presented === fingerprint)) {
    throw new UsageError(`${target.host} presents no certificate or host key with the fingerprint ${fingerprint}; nothing was trusted`);
  }
  if (pendingChanges.length > 0 && !app.interactive && !args.yes && fingerprint === undefined) {
    throw new UsageError(
      `${pendingChanges.map((r) => r.endpoint).join(', ')} ${pendingChanges.length === 1 ? 'is' : 'are'} not trusted; check the fingerprint and accept with: ` +
        `routerctl trust --host ${target.host} --fingerprint ${pendingChanges[0]!.presented}   (or --yes for all)`,
    );
  }
  return { host: target.host, endpoints: reports };
}
