import { expect } from 'chai';
import { UsageError } from '../../src/core/errors.js';
import { parseCandidate, parseCandidates, parseHostPort, splitCandidateList } from '../../src/discovery/candidates.js';

const PORTS = { http: 80, https: 443, ssh: 22 };

describe('discovery/candidates', () => {
  it('parses HOST and HOST:PORT with default ports from config', () => {
    expect(parseCandidate('127.0.31.1', PORTS)).to.deep.equal({ host: '127.0.31.1', httpPort: 80, httpsPort: 443, sshPort: 22 });
    expect(parseCandidate('127.0.31.1:8080', PORTS)).to.deep.equal({ host: '127.0.31.1', httpPort: 8080, httpsPort: 443, sshPort: 22 });
    expect(parseCandidate('router.lan', { http: 81, https: 8443, ssh: 2222 })).to.deep.equal({ host: 'router.lan', httpPort: 81, httpsPort: 8443, sshPort: 2222 });
  });

  it('parses IPv6 forms', () => {
    expect(parseCandidate('[::1]:8080', PORTS)).to.include({ host: '::1', httpPort: 8080 });
    expect(parseCandidate('[fe80::1]', PORTS)).to.include({ host: 'fe80::1', httpPort: 80 });
    expect(parseCandidate('fe80::1', PORTS)).to.include({ host: 'fe80::1', httpPort: 80 });
  });

  it('parses objects, with false turning a probe off', () => {
    expect(parseCandidate({ host: '127.0.31.1', http: 8081, https: false, ssh: 2201 }, PORTS)).to.deep.equal({ host: '127.0.31.1', httpPort: 8081, httpsPort: undefined, sshPort: 2201 });
    expect(parseCandidate({ host: '127.0.31.2' }, PORTS)).to.deep.equal({ host: '127.0.31.2', httpPort: 80, httpsPort: 443, sshPort: 22 });
  });

  it('rejects bad items with a UsageError naming the item', () => {
    const bad: unknown[] = ['', 'host:0', 'host:65536', 'host:80x', '[::1', '[nothex]:80', 'fe80::1:80:x', 'bad host', 'a_b.lan', '1.2.3', { host: 'x', http: 0 }, { host: '' }, { http: 80 }, 42];
    for (const item of bad) {
      let caught: unknown;
      try {
        parseCandidate(item as string, PORTS);
      } catch (err) {
        caught = err;
      }
      expect(caught, JSON.stringify(item)).to.be.instanceOf(UsageError);
      expect((caught as Error).message).to.include(JSON.stringify(item));
    }
  });

  it('explains what is wrong', () => {
    expect(parseHostPort('h:99999')).to.deep.equal({ ok: false, error: 'port "99999" is not 1-65535' });
    expect(parseHostPort('fe80::1:80:zz')).to.include({ ok: false });
    expect(parseHostPort(' 127.0.31.1:81 ')).to.deep.equal({ ok: true, host: '127.0.31.1', port: 81 });
  });

  it('drops duplicates and keeps the order', () => {
    const t = parseCandidates(['127.0.31.2', '127.0.31.1', '127.0.31.2:80', '127.0.31.2:81'], PORTS);
    expect(t.map((x) => `${x.host}:${x.httpPort}`)).to.deep.equal(['127.0.31.2:80', '127.0.31.1:80', '127.0.31.2:81']);
  });

  it('splits the --candidates flag', () => {
    expect(splitCandidateList('a, b:81,,[::1]:82')).to.deep.equal(['a', 'b:81', '[::1]:82']);
    expect(splitCandidateList(['a', 'b,c'])).to.deep.equal(['a', 'b', 'c']);
    expect(() => splitCandidateList(' , ')).to.throw(UsageError);
  });
});
