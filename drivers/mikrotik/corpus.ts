// The driver's parsers by the kind of raw answer they read, for the fixture corpus runner
// (test/drivers/corpus.test.ts): recorded answers + expected results, no code per firmware.
import { parsePppClient, parseResource, pppAddressOf, restErrorOf, toItem, wanSettingsOf } from './parse.js';

export const corpusParsers: Record<string, (raw: string) => unknown> = {
  /** `GET /rest/system/resource` (object, or the 7.1beta one-element array). */
  'system-resource': (raw) => parseResource(JSON.parse(raw)),
  /** One `GET /rest/interface/pppoe-client` item, as readWan({ withPassword: true }) reports it. */
  'pppoe-client-item': (raw) => wanSettingsOf(parsePppClient('pppoe-client', toItem(JSON.parse(raw), 'item')), true),
  /** One `GET /rest/interface/l2tp-client` item, as readWan({ withPassword: true }) reports it. */
  'l2tp-client-item': (raw) => wanSettingsOf(parsePppClient('l2tp-client', toItem(JSON.parse(raw), 'item')), true),
  /** `GET /rest/ip/address` answer (a list, or one item wrapped here): the PPP address facts. */
  'ip-address': (raw) => {
    const j = JSON.parse(raw) as unknown;
    return pppAddressOf(Array.isArray(j) ? j : [j]);
  },
  /** A REST error body (doc §6). */
  'rest-error': (raw) => restErrorOf(raw) ?? null,
};
