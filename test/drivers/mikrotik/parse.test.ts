// The MikroTik parsers on odd and hostile input: typed errors or values, never a crash, no prototype
// pollution; durations and the log reasons as doc §5/§7 describe them.
import { expect } from 'chai';
import { durationSeconds, parseLog, parsePppClient, parseResource, pppAddressOf, reasonFromLog, restErrorOf, toItem } from '../../../drivers/mikrotik/parse.js';
import { RouterctlError } from '../../../src/core/errors.js';

const JUNK: unknown[] = [null, 1, 'x', [], [1, 2], {}, { '.id': 7 }, [{ name: {} }], { __proto__: { polluted: 'yes' } }, JSON.parse('{"__proto__":{"polluted":"yes"},"name":"a"}'), [null], 'a'.repeat(10_000)];

function typedOrValue(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(RouterctlError);
  }
}

describe('mikrotik parsers', () => {
  it('odd JSON gives typed errors or values, never a crash or a polluted prototype', () => {
    for (const j of JUNK) {
      typedOrValue(() => parseResource(j));
      typedOrValue(() => parsePppClient('pppoe-client', toItem(j, 'x')));
      typedOrValue(() => parseLog(j));
      typedOrValue(() => pppAddressOf(j));
    }
    for (const t of ['', 'null', '{"error":"x"}', '<html>', '{"error":"401"}', '[]']) typedOrValue(() => restErrorOf(t));
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
  });

  it('reads RouterOS durations', () => {
    expect(durationSeconds('2d20h12m20s')).to.equal(245540);
    expect(durationSeconds('1w2d')).to.equal(777600);
    expect(durationSeconds('00:05:10')).to.equal(310);
    expect(durationSeconds('5m30s120ms')).to.equal(330);
    expect(durationSeconds('soon')).to.equal(undefined);
    expect(durationSeconds('')).to.equal(undefined);
  });

  it('takes the reason from the last finished attempt after the mark, for this client only', () => {
    const log = [
      { id: 1, topics: 'pppoe,ppp,error', message: 'pppoe-out1: terminating... - authentication failed' },
      { id: 2, topics: 'pppoe,ppp,info', message: 'pppoe-out1: disconnected' },
      { id: 3, topics: 'pppoe,ppp,error', message: 'pppoe-out2: terminating... - peer is not responding' },
    ];
    expect(reasonFromLog(log, 'pppoe-out1', -1).reason).to.equal('auth_failed');
    expect(reasonFromLog(log, 'pppoe-out1', 2).reason).to.equal(undefined);
    expect(reasonFromLog(log, 'pppoe-out2', -1).reason).to.equal('server_unreachable');
    expect(reasonFromLog([...log, { id: 4, topics: 'pppoe', message: 'pppoe-out1: connected' }], 'pppoe-out1', -1).reason).to.equal(undefined);
  });

  it('an error body is cut to a bounded size', () => {
    const e = restErrorOf(JSON.stringify({ error: 400, message: 'Bad Request', detail: 'd'.repeat(5000) }));
    expect(e?.detail?.length).to.equal(200);
  });
});
