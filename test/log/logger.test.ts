import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { createLogger, nullLogger, shouldUseColor } from '../../src/log/logger.js';

const SECRET = 'Tr0ub4dor&3 "x"';

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return { stream, text: () => text };
}

describe('log/logger', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'routerctl-log-'));
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it('redacts secret keys and registered values in the file and on stderr', async () => {
    const err = capture();
    const file = path.join(tmp, 'state', 'routerctl.log');
    const log = createLogger({ logFile: file, stderr: err.stream, color: false });
    log.addSecret(SECRET);
    log.info(`logging in with ${SECRET}`, { host: '127.0.31.1', password: 'other-pass', cookie: 'sysauth=abc' });
    log.warn('request body', { body: JSON.stringify({ password: SECRET }), url: `http://h/?p=${encodeURIComponent(SECRET)}` });
    log.error('failed', { error: new Error(`refused ${SECRET}`) });
    await log.close();

    const fileText = readFileSync(file, 'utf8');
    for (const out of [fileText, err.text()]) {
      expect(out).not.to.include('Tr0ub4dor');
      expect(out).not.to.include('other-pass');
      expect(out).not.to.include('sysauth=abc');
      expect(out).to.include('[redacted]');
    }
    const lines = fileText.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).to.have.length(3);
    expect(lines[0]).to.include({ level: 'info', message: 'logging in with [redacted]', host: '127.0.31.1', password: '[redacted]' });
    expect(lines[0]!.timestamp).to.be.a('string');
    const error = lines[2]!.error as { message: string; stack: string };
    expect(error.message).to.equal('refused [redacted]');
    expect(error.stack).to.include('refused [redacted]');
  });

  it('writes human one-line messages to stderr, nothing to stdout', async () => {
    const err = capture();
    const writes: unknown[] = [];
    const orig = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
      writes.push(chunk);
      return (orig as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stdout.write;
    try {
      const log = createLogger({ stderr: err.stream, color: false });
      log.info('found a router', { host: '127.0.31.1', family: 'openwrt' });
      log.warn('slow answer');
      log.debug('not shown at info');
      await log.close();
    } finally {
      process.stdout.write = orig;
    }
    expect(writes).to.deep.equal([]);
    expect(err.text()).to.equal('found a router host=127.0.31.1 family=openwrt\nwarning: slow answer\n');
  });

  it('shows debug on the console only at debug level (-v), but always in the file', async () => {
    const quiet = capture();
    const file = path.join(tmp, 'a.log');
    const log = createLogger({ stderr: quiet.stream, logFile: file, color: false });
    log.debug('details');
    await log.close();
    expect(quiet.text()).to.equal('');
    expect(readFileSync(file, 'utf8')).to.include('"message":"details"');

    const loud = capture();
    const log2 = createLogger({ stderr: loud.stream, level: 'debug', color: false });
    log2.debug('details', { n: 1 });
    await log2.close();
    expect(loud.text()).to.equal('debug: details n=1\n');
  });

  it('colours only when asked (TTY and no NO_COLOR decide the default)', async () => {
    const plain = capture();
    const l1 = createLogger({ stderr: plain.stream });
    l1.error('boom');
    await l1.close();
    expect(plain.text()).to.equal('error: boom\n'); // a PassThrough is no TTY

    const coloured = capture();
    const l2 = createLogger({ stderr: coloured.stream, color: true });
    l2.error('boom');
    await l2.close();
    expect(coloured.text()).to.include('\u001b[31m');

    const tty = { isTTY: true } as unknown as NodeJS.WritableStream;
    expect(shouldUseColor(tty, {})).to.equal(true);
    expect(shouldUseColor(tty, { NO_COLOR: '1' })).to.equal(false);
    expect(shouldUseColor({ isTTY: false } as unknown as NodeJS.WritableStream, {})).to.equal(false);
  });

  it('can write JSON lines to stderr', async () => {
    const err = capture();
    const log = createLogger({ stderr: err.stream, jsonConsole: true });
    log.info('hi', { token: 't', n: 2 });
    await log.close();
    expect(JSON.parse(err.text())).to.include({ level: 'info', message: 'hi', token: '[redacted]', n: 2 });
  });

  it('creates the log file 0600 in a 0700 folder and tightens an existing file', async function () {
    if (process.platform === 'win32') this.skip();
    const file = path.join(tmp, 'new', 'r.log');
    const log = createLogger({ logFile: file, console: false });
    log.info('x');
    await log.close();
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).to.equal(0o700);

    const old = path.join(tmp, 'old.log');
    writeFileSync(old, '');
    chmodSync(old, 0o644);
    const log2 = createLogger({ logFile: old, console: false });
    await log2.close();
    expect(statSync(old).mode & 0o777).to.equal(0o600);
  });

  it('bounds the file size with rotation, every file 0600', async function () {
    if (process.platform === 'win32') this.skip();
    const dir = path.join(tmp, 'rot');
    const log = createLogger({ logFile: path.join(dir, 'r.log'), console: false, maxFileBytes: 2000, maxFiles: 2 });
    for (let i = 0; i < 200; i++) log.info(`line ${i} ${'x'.repeat(80)}`);
    await log.close();
    const files = readdirSync(dir).sort();
    expect(files).to.deep.equal(['r.log', 'r.log.1']);
    for (const f of files) {
      const st = statSync(path.join(dir, f));
      expect(st.mode & 0o777, f).to.equal(0o600);
      expect(st.size, f).to.be.at.most(2000);
    }
    // Nothing of the burst is lost: the newest lines are all there, in order, up to the last one.
    const kept = [...readFileSync(path.join(dir, 'r.log.1'), 'utf8').trim().split('\n'), ...readFileSync(path.join(dir, 'r.log'), 'utf8').trim().split('\n')];
    const numbers = kept.map((l) => Number(/line (\d+)/.exec((JSON.parse(l) as { message: string }).message)![1]));
    expect(numbers.at(-1)).to.equal(199);
    expect(numbers).to.deep.equal(numbers.map((_, i) => 199 - numbers.length + 1 + i));
  });

  it('keeps running without a file when the log file cannot be created', async () => {
    const err = capture();
    const blocker = path.join(tmp, 'blocker');
    writeFileSync(blocker, '');
    const log = createLogger({ logFile: path.join(blocker, 'r.log'), stderr: err.stream, color: false });
    log.info('still here');
    await log.close();
    expect(err.text()).to.match(/^warning: cannot write the log file .*\nstill here\n$/);
  });

  it('nullLogger does nothing', async () => {
    nullLogger.addSecret('x');
    nullLogger.info('x', { password: 'y' });
    await nullLogger.close();
  });
});
