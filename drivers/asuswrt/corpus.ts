// The driver's parsers by the kind of raw answer they read, for the fixture corpus runner
// (test/drivers/corpus.test.ts): recorded answers + expected results, no code per firmware.
import { decodeNvramGet, nvramText, parseDevicemap, parseJsVars, parseLenientJson, parseLoginReply, wanStatusOf } from './parse.js';

export const corpusParsers: Record<string, (raw: string) => unknown> = {
  /** An appGet.cgi WAN-state reply (unit 0) as wanStatus() reports it. */
  'appget-wan-status': (raw) => {
    const v = parseLenientJson(raw, 'appGet.cgi');
    return wanStatusOf({ state: nvramText(v, 'wan0_state_t'), sbstate: nvramText(v, 'wan0_sbstate_t'), auxstate: nvramText(v, 'wan0_auxstate_t'), ipaddr: nvramText(v, 'wan0_ipaddr'), gateway: nvramText(v, 'wan0_gateway'), dns: nvramText(v, 'wan0_dns') });
  },
  /** Any appGet.cgi reply, parsed leniently: the number of keys and the first one. */
  'appget-shape': (raw) => {
    const v = parseLenientJson(raw, 'appGet.cgi');
    const keys = Object.keys(v);
    return { keys: keys.length, first: keys[0] ?? null };
  },
  /** nvram_get values with `&#NN` escapes, decoded. */
  'appget-decoded': (raw) => Object.fromEntries(Object.entries(parseLenientJson(raw, 'appGet.cgi')).map(([key, val]) => [key, typeof val === 'string' ? decodeNvramGet(val) : val])),
  /** ajax_status.xml (devicemap): the WAN state triple. */
  devicemap: (raw) => parseDevicemap(raw),
  /** detect_firmware.asp: its JS variables. */
  'js-vars': (raw) => parseJsVars(raw),
  /** A login.cgi reply. */
  'login-reply': (raw) => parseLoginReply(raw) ?? null,
};
