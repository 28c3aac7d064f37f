// HTTPS to a router, pinned: routers ship self-signed (often expired, misnamed) certificates, so CA
// checks say nothing about them. What routerctl trusts instead is the certificate's SHA-256
// fingerprint, seen on first use and stored per router (src/transport/trust.ts).
//
// How (dependencies.md, "TLS pinning"): the agent connects with CA checks off and compares the peer's
// fingerprint on `secureConnect`, destroying the socket on a mismatch. The socket is corked from the
// start and uncorked only after the comparison, so not one byte of the request (which may carry the
// password) leaves this machine for an unexpected peer. `checkServerIdentity` is NOT used: with
// rejectUnauthorized:false Node ignores its verdict, so a wrong pin would connect silently, and an
// expired certificate fails before it is called.
import { constants } from 'node:crypto';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type tls from 'node:tls';
import { PIN_MISMATCH, TrustMismatchError } from './errors.js';

export interface CertificateSeen {
  fingerprint: string;
  subject?: string | undefined;
  validTo?: string | undefined;
}

/** Where a pinning agent reads its pin and reports a first sighting. */
export interface PinSource {
  /** The trusted fingerprint of this endpoint; undefined = not trusted yet (first use). */
  pinned(): string | undefined;
  /** Called once per connection that saw a certificate while nothing was pinned. */
  firstUse(seen: CertificateSeen): void;
}

/** `SHA256:AB:CD:…`: Node's fingerprint256 with the algorithm named, as `routerctl trust` shows it. */
export function tlsFingerprint(cert: Pick<tls.PeerCertificate, 'fingerprint256'>): string {
  return `SHA256:${cert.fingerprint256}`;
}

/**
 * Old routers: legacy renegotiation, RSA-1024 and SHA-1 signatures, TLS 1.0. Allowed only towards a
 * pinned router, whose identity the pin proves; never on first use and never globally.
 */
export const LEGACY_TLS_OPTIONS: Pick<https.AgentOptions, 'secureOptions' | 'ciphers' | 'minVersion'> = {
  secureOptions: constants.SSL_OP_LEGACY_SERVER_CONNECT,
  ciphers: 'DEFAULT:@SECLEVEL=0',
  minVersion: 'TLSv1',
};

export interface PinnedAgentOptions {
  /** `host:port`, for messages. */
  endpoint: string;
  /** The host as the user names it, for the `routerctl trust --host` advice. */
  host: string;
  source: PinSource;
  /** Legacy TLS allowances; only honoured while the endpoint is pinned. */
  legacy?: boolean | undefined;
}

/** A memory-only pin: the first certificate a transport sees is the only one it accepts afterwards. */
export function memoryPin(): PinSource & { seen: CertificateSeen | undefined } {
  let seen: CertificateSeen | undefined;
  return {
    get seen() {
      return seen;
    },
    pinned: () => seen?.fingerprint,
    firstUse: (s) => {
      seen ??= s;
    },
  };
}

export class PinnedHttpsAgent extends https.Agent {
  readonly #o: PinnedAgentOptions;

  constructor(o: PinnedAgentOptions) {
    const legacy = o.legacy === true && o.source.pinned() !== undefined;
    // CA and name checks are replaced by the pin below, never simply switched off.
    // No session resumption: a resumed session shows no certificate to compare, so every connection
    // makes a full handshake and is checked.
    super({ keepAlive: false, maxCachedSessions: 0, rejectUnauthorized: false, ...(legacy ? LEGACY_TLS_OPTIONS : {}) });
    this.#o = o;
  }

  override createConnection(options: https.RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    const socket = super.createConnection(options, callback) as tls.TLSSocket | null | undefined;
    if (!socket) return socket;
    // Nothing the HTTP client writes leaves before the peer is known to be the pinned one.
    socket.cork();
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      if (!cert || typeof cert.fingerprint256 !== 'string' || cert.fingerprint256 === '') {
        socket.destroy(Object.assign(new Error('the router presented no certificate'), { code: 'ERR_TLS_NO_CERT' }));
        return;
      }
      const presented = tlsFingerprint(cert);
      const pinned = this.#o.source.pinned();
      if (pinned === undefined) {
        this.#o.source.firstUse({ fingerprint: presented, subject: subjectOf(cert), validTo: cert.valid_to });
      } else if (pinned !== presented) {
        const mismatch = new TrustMismatchError('https', this.#o.endpoint, pinned, presented, this.#o.host);
        socket.destroy(Object.assign(new Error('certificate pin mismatch'), { code: PIN_MISMATCH, trustMismatch: mismatch }));
        return;
      }
      socket.uncork();
    });
    return socket;
  }
}

function subjectOf(cert: tls.PeerCertificate): string | undefined {
  const cn = cert.subject?.CN;
  return typeof cn === 'string' ? cn.slice(0, 120) : Array.isArray(cn) ? String(cn[0]).slice(0, 120) : undefined;
}
