// `ping-check profile` and `interface … ping-check profile`: only as far as the captured batch goes
// (fixture rci-batch-l2tp-pingcheck-save.request.json / .response.json, codes and wording verbatim).

import type { ConfigStore } from './config.js';
import { isNo, isObj, safeKey, type Json, type JsonObject } from './json.js';

function st(code: string, ident: string, message: string): JsonObject {
  return { status: [{ status: 'message', code, ident, message }] };
}

function err(message: string): JsonObject {
  return { status: [{ status: 'error', code: '7405602', ident: 'Command::Base', message }] };
}

function profiles(config: ConfigStore): JsonObject {
  const pc = isObj(config.running['ping-check']) ? config.running['ping-check'] : (config.running['ping-check'] = {});
  return isObj(pc.profile) ? pc.profile : (pc.profile = {});
}

export function runPingCheck(config: ConfigStore, v: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, val] of Object.entries(v)) {
    if (k !== 'profile' || !isObj(val) || typeof val.name !== 'string') {
      if (safeKey(k)) out[k] = err('argument parse error.');
      continue;
    }
    const name = val.name.slice(0, 64);
    const all = profiles(config);
    const res: JsonObject = {};
    if (!isObj(all[name])) {
      all[name] = {};
      Object.assign(res, st('41615361', 'PingCheck::Client', `profile "${name}" has been created.`));
    }
    const p = all[name] as JsonObject;
    const q = `"${name}"`;
    for (const [key, x] of Object.entries(val)) {
      if (key === 'name' || !safeKey(key)) continue;
      if (key === 'host' && Array.isArray(x)) {
        const hosts = x.filter((h): h is string => typeof h === 'string');
        p.host = hosts;
        res.host = [st('1900551', 'PingCheck::Profile', `${q}: Hosts cleared.`), ...hosts.map((h) => st('1900549', 'PingCheck::Profile', `${q}: add host "${h}" for testing.`))];
      } else if (key === 'port' && isNo(x)) {
        delete p.port;
        res.port = st('1900553', 'PingCheck::Profile', `${q}: port is cleared.`);
      } else if (key === 'update-interval' && isObj(x) && x.seconds !== undefined) {
        p[key] = x;
        res[key] = st('1900545', 'PingCheck::Profile', `${q}: update interval is changed to ${String(x.seconds)} seconds.`);
      } else if (key === 'mode' && typeof x === 'string') {
        p.mode = x;
        res.mode = st('1900567', 'PingCheck::Profile', `${q}: uses ${x} mode.`);
      } else if (key === 'max-fails' && isObj(x) && x.count !== undefined) {
        p[key] = x;
        res[key] = st('1900556', 'PingCheck::Profile', `${q}: uses ${String(x.count)} fail count for disabling interface.`);
      } else {
        p[key] = x;
        res[key] = {};
      }
    }
    out[k] = res;
  }
  return out;
}

/** `interface X ping-check profile NAME` → "set "NAME" ping-check profile for interface "X"." */
export function setInterfaceProfile(config: ConfigStore, cfg: JsonObject, iface: string, profile: Json | undefined): JsonObject {
  if (typeof profile !== 'string' || !isObj(profiles(config)[profile])) return err('argument parse error.');
  cfg['ping-check'] = { profile };
  return st('41615363', 'PingCheck::Client', `set "${profile}" ping-check profile for interface "${iface}".`);
}
