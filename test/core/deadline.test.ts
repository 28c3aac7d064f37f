// Deadlines that must fire even after the garbage collector ran: a router that drips its answer one byte
// at a time is only stopped by the overall deadline, and on Node 20 an AbortSignal.timeout() inside
// AbortSignal.any() is collected and never fires (the fault matrix caught Keenetic hanging for 25 s).
import { expect } from 'chai';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deadline } from '../../src/core/deadline.js';
import { collectGarbage } from '../gc.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('deadlines survive garbage collection', () => {
  it('a deadline combined with AbortSignal.any() fires after a gc, with a TimeoutError reason, and clear() stops it', async () => {
    const gc = collectGarbage();
    let fired = 0;
    let reason: unknown;
    const cleared: AbortSignal[] = [];
    for (let i = 0; i < 20; i++) {
      const d = deadline(100);
      const any = AbortSignal.any([d.signal, new AbortController().signal]);
      any.addEventListener('abort', () => {
        fired++;
        reason = any.reason;
      });
      const c = deadline(100);
      cleared.push(c.signal);
      c.clear();
    }
    gc();
    await new Promise((r) => setTimeout(r, 50));
    gc();
    await new Promise((r) => setTimeout(r, 200));
    expect(fired).to.equal(20);
    expect((reason as Error).name).to.equal('TimeoutError');
    expect(cleared.filter((s) => s.aborted)).to.have.length(0);
  });

  it('no source combines AbortSignal.timeout() inside AbortSignal.any() (use core/deadline.ts)', async () => {
    const files: string[] = [];
    for (const dir of ['src', 'drivers']) {
      const entries = await readdir(path.join(ROOT, dir), { withFileTypes: true, recursive: true });
      files.push(...entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => path.join(e.parentPath, e.name)));
    }
    expect(files.length).to.be.greaterThan(20);
    for (const file of files) {
      const code = (await readFile(file, 'utf8'))
        .split('\n')
        .filter((l) => !/^\s*(\/\/|\*|\/\*)/.test(l))
        .join('\n');
      const anyCalls = code.match(/AbortSignal\.any\([^;]*/g) ?? [];
      for (const call of anyCalls) expect(call, path.relative(ROOT, file)).to.not.include('AbortSignal.timeout');
      // A timeout signal built on one line and passed into any() on another is the same trap.
      if (anyCalls.length > 0) expect(code, path.relative(ROOT, file)).to.not.match(/=\s*\[?\s*AbortSignal\.timeout\(/);
    }
  });
});
