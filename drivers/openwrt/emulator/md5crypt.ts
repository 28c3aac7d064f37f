// Why: rpcd checks `config login` passwords stored as md5-crypt ($1$) hashes (the capture's viewer login);
// this is the classic FreeBSD/glibc MD5-crypt so such hashes can be created and verified without native code.
import { createHash, timingSafeEqual } from 'node:crypto';

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function md5(...parts: Buffer[]): Buffer {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
}

function to64(v: number, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) {
    out += ITOA64[v & 0x3f];
    v >>>= 6;
  }
  return out;
}

/** crypt(3) with a "$1$salt$" setting. */
export function md5crypt(password: string, salt: string): string {
  const pw = Buffer.from(password, 'utf8');
  const s = Buffer.from(salt.replace(/^\$1\$/, '').split('$')[0]!.slice(0, 8), 'utf8');
  const magic = Buffer.from('$1$');
  let alt = md5(pw, s, pw);
  const ctx: Buffer[] = [pw, magic, s];
  for (let pl = pw.length; pl > 0; pl -= 16) ctx.push(alt.subarray(0, Math.min(16, pl)));
  for (let i = pw.length; i; i >>= 1) ctx.push(i & 1 ? Buffer.from([0]) : pw.subarray(0, 1));
  let fin = md5(...ctx);
  for (let i = 0; i < 1000; i++) {
    const parts: Buffer[] = [];
    parts.push(i & 1 ? pw : fin);
    if (i % 3) parts.push(s);
    if (i % 7) parts.push(pw);
    parts.push(i & 1 ? fin : pw);
    fin = md5(...parts);
  }
  alt = fin;
  const b = (i: number): number => alt[i]!;
  const out =
    to64((b(0) << 16) | (b(6) << 8) | b(12), 4) +
    to64((b(1) << 16) | (b(7) << 8) | b(13), 4) +
    to64((b(2) << 16) | (b(8) << 8) | b(14), 4) +
    to64((b(3) << 16) | (b(9) << 8) | b(15), 4) +
    to64((b(4) << 16) | (b(10) << 8) | b(5), 4) +
    to64(b(11), 2);
  return `$1$${s.toString('utf8')}$${out}`;
}

export function md5cryptVerify(password: string, hash: string): boolean {
  if (!hash.startsWith('$1$')) return false;
  const a = Buffer.from(md5crypt(password, hash));
  const b = Buffer.from(hash);
  return a.length === b.length && timingSafeEqual(a, b);
}
