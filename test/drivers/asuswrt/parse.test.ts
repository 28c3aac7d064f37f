// The ASUS parsers on captured, odd and hostile input.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { charToAscii, escapeNvramGet } from '../../../drivers/asuswrt/emulator/index.js';
import { decodeCharToAscii, decodeNvramGet, parseDevicemap, parseLenientJson, parseLoginReply, wanSettingsOf, wanStatusOf } from '../../../drivers/asuswrt/parse.js';
import { ProtocolError } from '../../../src/core/errors.js';
import { sharedFixture } from '../../shared-fixtures.js';

const shared = (f: string): string => readFileSync(sharedFixture('asuswrt', f), 'utf8');

describe('asuswrt parsers', () => {
  it('repairs the malformed `{ ,` appGet reply of the stock 386 MAP-AC1300 (fixture)', () => {
    const text = shared('appget-malformed-json-map-ac1300-stock-386.txt');
    expect(() => JSON.parse(text)).to.throw();
    const v = parseLenientJson(text, 'appGet.cgi');
    expect(v).to.have.property('wgs_enable', '');
    expect(Object.keys(v)).to.have.length(60);
  });

  it('duplicate keys: the last wins (fixture hook_001)', () => {
    const v = parseLenientJson(shared('appget-cpu-mem-netdev-rt-ax88u-merlin-388.json'), 'appGet.cgi');
    expect(v).to.have.property('netdev');
  });

  it('strips the BOM of ASP bodies and reads the devicemap triple (fixture)', () => {
    const xml = shared('ajax_status-devicemap-rt-ax88u-merlin-388.xml');
    expect(xml.charCodeAt(0)).to.equal(0xfeff);
    expect(parseDevicemap(xml)).to.deep.equal({ state: '2', sbstate: '0', auxstate: '0' });
  });

  it('garbage and non-objects are ProtocolErrors that quote nothing', () => {
    for (const bad of ['', 'null', '[1]', '<html>secret-x</html>', '{"a":']) {
      const err = (() => {
        try {
          parseLenientJson(bad, 'appGet.cgi');
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err, bad).to.be.instanceOf(ProtocolError);
      expect((err as Error).message).to.not.include('secret-x');
    }
  });

  it('login replies: token, wrong password, lockout, and the Boa variant with the lock time after the brace', () => {
    expect(parseLoginReply('{"asus_token":"abc123"}\n')).to.deep.equal({ ok: true, token: 'abc123' });
    expect(parseLoginReply('{"error_status":"3"}')).to.deep.equal({ ok: false, errorStatus: 3, remainingLockSeconds: undefined });
    expect(parseLoginReply('{"error_status":"7","remaining_lock_time":"280"}')).to.deep.equal({ ok: false, errorStatus: 7, remainingLockSeconds: 280 });
    expect(parseLoginReply('{"error_status":"7"}\n,"remaining_lock_time":"280"')).to.deep.equal({ ok: false, errorStatus: 7, remainingLockSeconds: 280 });
    expect(parseLoginReply('<html>login</html>')).to.equal(undefined);
  });

  it('nvram_get escaping: `&#62` separators (fixture) and UTF-8 bytes decode exactly', () => {
    const v = parseLenientJson(shared('appget-nvram-escaped-separators-rt-ax88u-merlin-388.json'), 'appGet.cgi');
    expect(decodeNvramGet(v.MULTIFILTER_MAC as string).split('>')).to.have.length(8);
    for (const s of ['пароль Ёё', 'a"b&c<d>e', 'x>0y', 'plain']) expect(decodeNvramGet(escapeNvramGet(s))).to.equal(s);
  });

  it('nvram_char_to_ascii round-trips hostile values; a broken escape is a ProtocolError', () => {
    for (const s of [`it's "q" $HOME;x\\`, 'пароль Ёё', '%41%', '`cmd` & = +']) expect(decodeCharToAscii(charToAscii(s), 'v')).to.equal(s);
    expect(() => decodeCharToAscii('%E0%A4', 'v')).to.throw(ProtocolError);
    expect(() => decodeCharToAscii(undefined, 'v')).to.throw(ProtocolError);
  });

  it('WAN state codes map as doc §6 says', () => {
    expect(wanStatusOf({ state: '2', sbstate: '0', auxstate: '0', ipaddr: '1.2.3.4' })).to.include({ state: 'up', ipv4: '1.2.3.4' });
    expect(wanStatusOf({ state: '4', sbstate: '2', auxstate: '0' })).to.include({ state: 'down', reason: 'auth_failed' });
    expect(wanStatusOf({ state: '4', sbstate: '1', auxstate: '0' })).to.include({ state: 'down', reason: 'server_unreachable' });
    expect(wanStatusOf({ state: '2', sbstate: '0', auxstate: '1' })).to.include({ state: 'down', reason: 'no_carrier' });
    expect(wanStatusOf({ state: '5', sbstate: '0', auxstate: '0' })).to.include({ state: 'down', reason: 'disabled' });
    expect(wanStatusOf({ state: '1', sbstate: '0', auxstate: '0' })).to.include({ state: 'connecting' });
    expect(() => wanStatusOf({})).to.throw(ProtocolError);
  });

  it('settings: no password or server on DHCP; unknown protocols keep their raw name', () => {
    expect(wanSettingsOf({ unit: 0, rawProto: 'dhcp' }, true)).to.deep.include({ proto: 'dhcp', hasPassword: false, password: undefined });
    expect(wanSettingsOf({ unit: 1, rawProto: 'v6plus' }, false)).to.deep.include({ interface: 'wan1', proto: 'other', rawProto: 'v6plus' });
  });
});
