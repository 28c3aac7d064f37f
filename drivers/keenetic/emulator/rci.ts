// RCI: the JSON mirror of the CLI (doc §3). A CLI command `a b c` is the resource /rci/a/b/c; a POST to
// a path is the same as a POST to /rci/ with the body wrapped in that path, and the answer carries
// status objects at the node that was written (doc §3.1; fixtures rci-post-*.json and the batch
// rci-batch-l2tp-pingcheck-save.*). Errors keep HTTP 200 (doc §3.1, §8).

import { CARRIER, isPppName, kindOf, type ConfigStore } from './config.js';
import { isNo, isObj, safeKey, type Json, type JsonObject } from './json.js';
import { runPingCheck, setInterfaceProfile } from './ping-check.js';
import type { PppManager } from './ppp.js';
import type { Syslog } from './syslog.js';

export interface RciDeps {
  config: ConfigStore;
  ppp: PppManager;
  syslog: Syslog;
  version(): JsonObject;
  system(): JsonObject;
  /** `system reboot` after `interval` seconds (fixture rci-post-system-reboot.response.json). */
  scheduleReboot(seconds: number): void;
}

export function status(kind: 'message' | 'warning' | 'error', code: string, ident: string, message: string): JsonObject {
  return { status: [{ status: kind, code, ident, message }] };
}

/** fixture rci-status-error-no-such-command.json */
export function noSuchCommand(name: string): JsonObject {
  return status('error', '7405600', 'Command::Base', `no such command: ${name.slice(0, 64)}.`);
}

/** CLI error 7405602 (fixture cli-command-result-error-lines.txt); as an RCI status it is UNVERIFIED. */
export function argumentError(): JsonObject {
  return status('error', '7405602', 'Command::Base', 'argument parse error.');
}

/** CLI error 6553609 (fixture cli-command-result-error-lines.txt). */
function noSuchInterface(name: string): JsonObject {
  return status('error', '6553609', 'Network::Interface::Base', `unable to find ${name.slice(0, 64)} as "Network::Interface::Base".`);
}

// Codes the emulator had to invent (no capture): marked so nobody mistakes them for the router's.
const EMU = { identity: '72286210', password: '72286211', peer: '72286212', mtu: '72220680', up: '72155285' } as const;

// ------------------------------------------------------------------------------------------------
// POST

/** POST /rci/<segs> with `body`: wrap into the root object, run, unwrap the answer (doc §3). */
export function rciPost(d: RciDeps, segs: string[], body: unknown): Json {
  if (Array.isArray(body)) {
    // An array of objects executed in order, answered in order; only at the root (doc §3).
    if (segs.length > 0) return argumentError();
    return body.map((item) => (isObj(item) ? runRoot(d, item) : argumentError()));
  }
  if (!isObj(body)) return argumentError();
  let wrapped: JsonObject = body;
  for (const seg of [...segs].reverse()) wrapped = { [seg]: wrapped };
  let out: Json = runRoot(d, wrapped);
  for (const seg of segs) {
    if (!isObj(out) || !isObj(out[seg])) break;
    out = out[seg];
  }
  return out;
}

function runRoot(d: RciDeps, obj: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(obj)) {
    if (!safeKey(k)) continue;
    switch (k) {
      case 'interface':
        out[k] = runInterface(d, v);
        break;
      case 'system':
        out[k] = runSystem(d, v);
        break;
      case 'show':
        out[k] = runShow(d, v);
        break;
      case 'ip':
        out[k] = runIp(d, v);
        break;
      case 'ping-check':
        out[k] = isObj(v) ? runPingCheck(d.config, v) : argumentError();
        break;
      default:
        out[k] = noSuchCommand(k);
    }
  }
  return out;
}

/**
 * `interface`: `{"name": "PPPoE0", …settings}` or `{"PPPoE0": {…settings}}` (doc §3: both appear in the
 * official examples; `name` for a new interface creates it). `{"X": {"no": true}}` removes it.
 */
function runInterface(d: RciDeps, v: Json): Json {
  if (!isObj(v)) return argumentError();
  let out: JsonObject;
  if (typeof v.name === 'string') {
    const { name, ...settings } = v;
    out = {};
    if (!d.config.interfaces()[name]) {
      if (!createInterface(d, name)) return noSuchInterface(name);
      Object.assign(out, created(name));
    }
    Object.assign(out, applySettings(d, name, settings));
  } else {
    out = {};
    for (const [name, settings] of Object.entries(v)) {
      if (!safeKey(name)) continue;
      if (isNo(settings)) {
        if (!d.config.interfaces()[name]) out[name] = noSuchInterface(name);
        else {
          delete d.config.interfaces()[name];
          out[name] = status('message', '6553605', 'Network::Interface::Repository', `interface "${name}" removed.`);
        }
        continue;
      }
      if (!isObj(settings)) {
        out[name] = argumentError();
        continue;
      }
      const node: JsonObject = {};
      if (!d.config.interfaces()[name]) {
        if (!createInterface(d, name)) {
          out[name] = noSuchInterface(name);
          continue;
        }
        Object.assign(node, created(name));
      }
      Object.assign(node, applySettings(d, name, settings));
      out[name] = node;
    }
  }
  d.ppp.reconcile();
  return out;
}

function createInterface(d: RciDeps, name: string): boolean {
  // Only tunnel interfaces can be created here (fixture rci-post-interface-create-pptp0.response.json).
  if (!isPppName(name)) return false;
  d.config.interfaces()[name] = { connect: { via: CARRIER } };
  return true;
}

function created(name: string): JsonObject {
  return status('message', '6553601', 'Network::Interface::Repository', `"${name}" interface created.`);
}

function cfgOf(d: RciDeps, name: string): JsonObject {
  return d.config.interfaces()[name] as JsonObject;
}

function applySettings(d: RciDeps, name: string, settings: JsonObject): JsonObject {
  const cfg = cfgOf(d, name);
  const out: JsonObject = {};
  const kind = kindOf(name);
  for (const [k, v] of Object.entries(settings)) {
    if (!safeKey(k)) continue;
    switch (k) {
      case 'authentication':
        out[k] = isPppName(name) ? setAuthentication(cfg, name, v) : noSuchCommand(k);
        break;
      case 'peer':
        // L2TP/PPTP server (doc §5.1 "for L2TP/PPTP the server is `peer`").
        if (kind !== 'l2tp' && kind !== 'pptp') out[k] = noSuchCommand(k);
        else if (isNo(v)) {
          delete cfg.peer;
          out[k] = status('message', EMU.peer, 'Network::Interface::Ppp', `"${name}": peer cleared.`);
        } else if (typeof v === 'string' && v !== '' && v.length <= 255) {
          cfg.peer = v;
          out[k] = status('message', EMU.peer, 'Network::Interface::Ppp', `"${name}": set peer to "${v}".`);
        } else out[k] = argumentError();
        break;
      case 'description':
        // doc §3.1 code 72155140
        if (isNo(v)) delete cfg.description;
        else if (typeof v === 'string') cfg.description = v;
        else {
          out[k] = argumentError();
          break;
        }
        out[k] = status('message', '72155140', 'Network::Interface::Base', `"${name}": description saved.`);
        break;
      case 'up':
        out[k] = setUp(d, cfg, name, v);
        break;
      case 'ip':
        out[k] = isObj(v) ? setIp(cfg, name, v) : argumentError();
        break;
      case 'ping-check':
        out[k] = isObj(v) ? { profile: setInterfaceProfile(d.config, cfg, name, v.profile) } : argumentError();
        break;
      case 'connect':
      case 'role':
      case 'lcp':
      case 'ipcp':
      case 'security-level':
      case 'rename':
        // Stored as given; the answer for these is not captured anywhere, so none is invented.
        if (isNo(v)) delete cfg[k];
        else cfg[k] = v;
        out[k] = {};
        break;
      default:
        out[k] = noSuchCommand(k);
    }
  }
  return out;
}

/** `authentication identity|password` (doc §4.2); `{"no": true}` clears (doc §4.2 UsbModem0 example). */
function setAuthentication(cfg: JsonObject, name: string, v: Json): Json {
  if (isNo(v) && Object.keys(v as JsonObject).length === 1) {
    delete cfg.authentication;
    return {};
  }
  if (!isObj(v)) return argumentError();
  const auth: JsonObject = isObj(cfg.authentication) ? cfg.authentication : {};
  const out: JsonObject = {};
  for (const [k, val] of Object.entries(v)) {
    if (k === 'no') {
      if (val === true) for (const key of Object.keys(auth)) delete auth[key];
      continue;
    }
    if (k !== 'identity' && k !== 'password') {
      if (safeKey(k)) out[k] = noSuchCommand(k);
      continue;
    }
    if (isNo(val)) {
      delete auth[k];
      out[k] = status('message', EMU[k], 'Network::Interface::Ppp', `"${name}": ${k} cleared.`);
    } else if (typeof val === 'string' && val.length <= 1024) {
      // Any character JSON can carry is kept exactly; the value is never echoed back.
      auth[k] = val;
      out[k] = status('message', EMU[k], 'Network::Interface::Ppp', `"${name}": ${k} saved.`);
    } else out[k] = argumentError();
  }
  if (Object.keys(auth).length > 0) cfg.authentication = auth;
  else delete cfg.authentication;
  return out;
}

/** `up` / `down` (doc §6); the down answer is fixture rci-post-interface-bridge1-down.response.json. */
function setUp(d: RciDeps, cfg: JsonObject, name: string, v: Json): Json {
  const up = v === true || (isObj(v) && v.no !== true);
  const down = v === false || isNo(v);
  if (!up && !down) return argumentError();
  cfg.up = up;
  const text = `"${name}": interface is ${up ? 'up' : 'down'}.`;
  // The same text in the system log (CLI result line, fixture cli-command-result-ok-lines.txt).
  d.syslog.log('Info', 'ndm', `Network::Interface::Base: ${text}`);
  return status('message', up ? EMU.up : '72155286', 'Network::Interface::Base', text);
}

/** `ip mtu`, `ip address` (fixture batch: `"address": [{"no": true}]` → "IP address cleared."). */
function setIp(cfg: JsonObject, name: string, v: JsonObject): JsonObject {
  const ip: JsonObject = isObj(cfg.ip) ? cfg.ip : {};
  cfg.ip = ip;
  const out: JsonObject = {};
  for (const [k, val] of Object.entries(v)) {
    if (!safeKey(k)) continue;
    if (k === 'mtu') {
      const n = typeof val === 'number' ? val : typeof val === 'string' && /^\d+$/.test(val) ? parseInt(val, 10) : NaN;
      if (Number.isInteger(n) && n >= 576 && n <= 9000) {
        ip.mtu = n;
        out[k] = status('message', EMU.mtu, 'Network::Interface::Ip', `"${name}": MTU set to ${n}.`);
      } else out[k] = argumentError();
    } else if (k === 'address') {
      const items = Array.isArray(val) ? val : [val];
      const res = items.map((item) => {
        if (isNo(item)) {
          ip.address = { no: true };
          return status('message', '72220675', 'Network::Interface::Ip', `"${name}": IP address cleared.`);
        }
        if (isObj(item)) {
          ip.address = item;
          return {};
        }
        return argumentError();
      });
      out[k] = Array.isArray(val) ? res : (res[0] ?? {});
    } else if (k === 'global' || k === 'tcp') {
      ip[k] = val;
      out[k] = {};
    } else out[k] = noSuchCommand(k);
  }
  return out;
}

function runSystem(d: RciDeps, v: Json): Json {
  if (!isObj(v)) return argumentError();
  const out: JsonObject = {};
  for (const [k, val] of Object.entries(v)) {
    if (k === 'configuration' && isObj(val) && Object.keys(val).every((x) => x === 'save')) {
      // doc §3.1 code 8912996 "saving (http/rci)." (fixture batch response)
      d.config.save();
      d.syslog.log('Info', 'ndm', 'Core::System::StartupConfig: saving (http/rci).');
      out[k] = { save: status('message', '8912996', 'Core::System::StartupConfig', 'saving (http/rci).') };
    } else if (k === 'reboot' && isObj(val)) {
      const interval = typeof val.interval === 'number' && val.interval >= 0 && val.interval <= 3600 ? val.interval : 5;
      d.scheduleReboot(interval);
      out[k] = status('message', '8519720', 'Core::System::RebootManager', `will activate system reboot in ${interval} seconds.`);
    } else if (safeKey(k)) out[k] = noSuchCommand(k);
  }
  return out;
}

function runIp(d: RciDeps, v: Json): Json {
  if (!isObj(v)) return argumentError();
  const out: JsonObject = {};
  const ip = isObj(d.config.running.ip) ? d.config.running.ip : (d.config.running.ip = {});
  for (const [svc, val] of Object.entries(v)) {
    if ((svc !== 'http' && svc !== 'telnet') || !isObj(val)) {
      if (safeKey(svc)) out[svc] = noSuchCommand(svc);
      continue;
    }
    const node: JsonObject = isObj(ip[svc]) ? ip[svc] : (ip[svc] = {});
    const res: JsonObject = {};
    for (const [k, x] of Object.entries(val)) {
      if (k === 'security-level' && isObj(x)) {
        const level = ['public', 'private', 'protected'].find((l) => x[l] === true);
        if (!level) {
          res[k] = argumentError();
          continue;
        }
        node[k] = { [level]: true };
        // fixture rci-post-ip-http-security-level.response.json
        res[k] = status('message', '18481702', 'Http::Manager', `security level set to ${level}.`);
      } else if (k === 'lockout-policy' && isObj(x)) {
        node[k] = x;
        res[k] = {};
      } else if (safeKey(k)) res[k] = noSuchCommand(k);
    }
    out[svc] = res;
  }
  return out;
}

function runShow(d: RciDeps, v: Json): Json {
  if (!isObj(v)) return argumentError();
  const out: JsonObject = {};
  for (const [k, val] of Object.entries(v)) {
    const arg = isObj(val) ? val : {};
    switch (k) {
      case 'version':
        out[k] = d.version();
        break;
      case 'system':
        out[k] = d.system();
        break;
      case 'interface':
        out[k] = showInterface(d, typeof arg.name === 'string' ? arg.name : undefined);
        break;
      case 'log': {
        const max = typeof arg['max-lines'] === 'number' ? arg['max-lines'] : undefined;
        out[k] = d.syslog.show(max, arg.once === true);
        break;
      }
      case 'rc':
        out[k] = d.config.running; // rebuilt on each call (doc §3)
        break;
      case 'sc':
        out[k] = d.config.saved; // stale until `system configuration save` (doc §3, §8)
        break;
      default:
        if (safeKey(k)) out[k] = noSuchCommand(k);
    }
  }
  return out;
}

function showInterface(d: RciDeps, name: string | undefined): Json {
  if (name === undefined) return d.ppp.showAll();
  return d.ppp.show(name) ?? noSuchInterface(name);
}

// ------------------------------------------------------------------------------------------------
// GET

/** GET /rci/<segs>?query: `show …` actions and settings (doc §3: "GET read"). */
export function rciGet(d: RciDeps, segs: string[], query: URLSearchParams): Json {
  const [first, second] = segs;
  if (segs.length === 0) return d.config.running; // "almost the whole configuration" (doc §3)
  if (first === 'show') {
    const args: JsonObject = {};
    for (const [k, v] of query) args[k] = v === 'true' ? true : v === 'false' ? false : /^\d{1,9}$/.test(v) ? parseInt(v, 10) : v;
    if (second === undefined) return noSuchCommand('show');
    if (segs.length > 2) return noSuchCommand(segs[2]!);
    const r = runShow(d, { [second]: args });
    return isObj(r) ? (r[second] ?? noSuchCommand(second)) : r;
  }
  if (first === 'interface' && segs.length === 1) {
    // `GET /rci/interface?name=PPPoE0` → {"PPPoE0": {…}} (doc §4.2)
    const name = query.get('name');
    const all = d.config.interfaces();
    if (name === null) return all;
    const cfg = Object.prototype.hasOwnProperty.call(all, name) ? all[name] : undefined;
    return cfg === undefined ? noSuchInterface(name) : { [name]: cfg };
  }
  // Any other settings path reads the running configuration subtree (e.g. /rci/ip/telnet).
  let node: Json = d.config.running;
  for (const seg of segs) {
    if (!isObj(node) || !Object.prototype.hasOwnProperty.call(node, seg) || !safeKey(seg)) return noSuchCommand(seg);
    node = node[seg]!;
  }
  return node;
}
