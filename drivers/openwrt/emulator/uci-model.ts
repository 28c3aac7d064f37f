// Why: a small TypeScript port of libuci (openwrt/uci @66127cd: list.c, delta.c, file.c, util.c) so that
// section naming (cfgNNhhhh), change records, /etc/config text and every error code match the real tool.

export type UciErrCode = 'MEM' | 'INVAL' | 'NOTFOUND' | 'IO' | 'PARSE' | 'DUPLICATE' | 'UNKNOWN';

/** libuci error numbers (uci.h), used as exit codes by `uci add`. */
export const UCI_ERRNO: Record<UciErrCode, number> = { MEM: 1, INVAL: 2, NOTFOUND: 3, IO: 4, PARSE: 5, DUPLICATE: 6, UNKNOWN: 7 };

export const UCI_ERRSTR: Record<UciErrCode, string> = {
  MEM: 'Out of memory',
  INVAL: 'Invalid argument',
  NOTFOUND: 'Entry not found',
  IO: 'I/O error',
  PARSE: 'Parse error',
  DUPLICATE: 'Duplicate entry',
  UNKNOWN: 'Unknown error',
};

export class UciError extends Error {
  constructor(
    readonly code: UciErrCode,
    /** Parser detail, printed by uci_perror as " (reason) at line N, byte M". */
    readonly detail?: string,
  ) {
    super(UCI_ERRSTR[code] + (detail ?? ''));
  }
}

/** A string option, or a list option (array). */
export interface UciOption {
  name: string;
  value: string | string[];
}

export interface UciSection {
  name: string;
  type: string;
  anonymous: boolean;
  options: UciOption[];
}

export interface UciPackage {
  name: string;
  sections: UciSection[];
  /** libuci's p->n_section: incremented for every section ever allocated in this load. */
  nSection: number;
}

export type DeltaCmd = 'add' | 'remove' | 'change' | 'rename' | 'reorder' | 'list-add' | 'list-del';

/** One uci_delta record (a line of a delta file). */
export interface Delta {
  cmd: DeltaCmd;
  section: string;
  option?: string | undefined;
  value?: string | undefined;
}

export interface UciPtr {
  package: string;
  section?: string | undefined;
  option?: string | undefined;
  value?: string | undefined;
  /** Section name is not a plain name (e.g. `@device[0]`): extended lookup. */
  extended?: boolean | undefined;
}

export interface Lookup {
  /** Real section name after extended lookup (what delta records store). */
  section?: string | undefined;
  s?: UciSection | undefined;
  o?: UciOption | undefined;
  complete: boolean;
}

// ---------------------------------------------------------------- validation (util.c)

function isAlnum(c: string): boolean {
  return /^[A-Za-z0-9]$/.test(c);
}

function validateStr(str: string, name: boolean, pkg: boolean): boolean {
  if (!str) return false;
  for (const c of str) {
    if (isAlnum(c) || c === '_') continue;
    if (c === '-' && pkg) continue;
    const code = c.codePointAt(0)!;
    if (name || code < 33 || code > 126) return false;
  }
  return true;
}

export const validatePackage = (s: string): boolean => validateStr(s, false, true);
export const validateType = (s: string): boolean => validateStr(s, false, false);
export const validateName = (s: string): boolean => validateStr(s, true, false);

export function validateText(s: string): boolean {
  for (const c of s) {
    const code = c.codePointAt(0)!;
    if (code < 32 && c !== '\t' && c !== '\n' && c !== '\r') return false;
  }
  return true;
}

/** uci_parse_ptr: "config[.section[.option]][=value]". */
export function parsePtr(str: string): UciPtr {
  const eq = str.indexOf('=');
  const value = eq >= 0 ? str.slice(eq + 1) : undefined;
  const path = eq >= 0 ? str.slice(0, eq) : str;
  const parts = path.split('.');
  if (parts.length > 3) throw new UciError('PARSE');
  const [pkg, section, option] = parts as [string, string | undefined, string | undefined];
  const ptr: UciPtr = { package: pkg, section, option, value };
  if (!validatePackage(pkg)) throw new UciError('PARSE');
  if (section !== undefined && !validateName(section)) ptr.extended = true;
  if (option !== undefined && !validateName(option)) throw new UciError('PARSE');
  if (value !== undefined && !validateText(value)) throw new UciError('PARSE');
  return ptr;
}

// ---------------------------------------------------------------- lookup (list.c)

function lookupExtSection(p: UciPackage, section: string): UciSection | undefined {
  const m = /^@([^[]*)\[([^\]]*)\]$/.exec(section);
  if (!m) throw new UciError('INVAL');
  const type = m[1]!;
  const idxStr = m[2]!;
  if (!/^[+-]?\d+$/.test(idxStr) && idxStr !== '') throw new UciError('INVAL');
  let idx = idxStr === '' ? 0 : parseInt(idxStr, 10);
  if (type && !validateType(type)) throw new UciError('INVAL');
  const matching = p.sections.filter((s) => !type || s.type === type);
  if (idx < 0) idx += matching.length;
  return matching[idx];
}

/** uci_lookup_ptr on an already loaded package. Throws INVAL on a malformed extended section. */
export function lookup(p: UciPackage, ptr: UciPtr, allowExtended = true): Lookup {
  if (ptr.section === undefined) return { complete: true };
  let s: UciSection | undefined;
  if (ptr.extended) {
    if (!allowExtended) throw new UciError('INVAL');
    s = lookupExtSection(p, ptr.section);
  } else {
    s = p.sections.find((x) => x.name === ptr.section);
  }
  if (!s) return { section: ptr.extended ? undefined : ptr.section, complete: false };
  if (ptr.option === undefined) return { section: s.name, s, complete: true };
  const o = s.options.find((x) => x.name === ptr.option);
  return { section: s.name, s, o, complete: !!o };
}

// ---------------------------------------------------------------- helpers

export function clonePackage(p: UciPackage): UciPackage {
  return {
    name: p.name,
    nSection: p.nSection,
    sections: p.sections.map((s) => ({
      name: s.name,
      type: s.type,
      anonymous: s.anonymous,
      options: s.options.map((o) => ({ name: o.name, value: Array.isArray(o.value) ? [...o.value] : o.value })),
    })),
  };
}

function djbhash(hash: number, str: string): number {
  let h = hash === 0xffffffff ? 5381 : hash;
  for (const byte of Buffer.from(str, 'utf8')) {
    const c = byte > 127 ? byte - 256 : byte; // plain char is signed on the targets uci is built for
    h = (Math.imul(h, 33) + c) >>> 0;
  }
  return h & 0x7fffffff;
}

/** uci_alloc_section + uci_fixup_section: anonymous names are cfg<n_section><hash(type)> at allocation time. */
function allocSection(p: UciPackage, type: string, name: string | undefined, at?: number): UciSection {
  p.nSection++;
  const anonymous = !name;
  const s: UciSection = { name: name ?? '', type, anonymous, options: [] };
  if (anonymous) {
    const hash = djbhash(0xffffffff, type) % 65536;
    s.name = `cfg${p.nSection.toString(16).padStart(2, '0')}${hash.toString(16).padStart(4, '0')}`;
  }
  if (at === undefined) p.sections.push(s);
  else p.sections.splice(at, 0, s);
  return s;
}

type Recorder = Delta[] | null;

function record(rec: Recorder, d: Delta): void {
  rec?.push(d);
}

// ---------------------------------------------------------------- change operations (list.c)

/** uci_set. `rec` receives the delta (null = UCI_INTERNAL, no delta). */
export function uciSet(p: UciPackage, ptr: UciPtr, rec: Recorder): void {
  const l = lookup(p, ptr);
  const section = l.section ?? ptr.section;
  if (ptr.value === undefined) throw new UciError('INVAL');
  if (!(l.s || (ptr.option === undefined && section !== undefined))) throw new UciError('INVAL');
  if (ptr.option === undefined && ptr.value !== '' && !validateType(ptr.value)) throw new UciError('INVAL');
  if (ptr.value === '') {
    if (!l.complete) return;
    uciDelete(p, { ...ptr, value: undefined }, rec);
    return;
  }
  if (ptr.option !== undefined && l.s && !l.o) {
    l.s.options.push({ name: ptr.option, value: ptr.value });
  } else if (!l.s && section !== undefined) {
    allocSection(p, ptr.value, section);
  } else if (l.o && ptr.option !== undefined) {
    if (typeof l.o.value === 'string' && l.o.value === ptr.value) return;
    l.o.value = ptr.value;
  } else if (l.s && section !== undefined) {
    if (l.s.type === ptr.value) return;
    l.s.type = ptr.value;
  } else {
    throw new UciError('INVAL');
  }
  record(rec, { cmd: 'change', section: section!, option: ptr.option, value: ptr.value });
}

/** uci_add_section: anonymous section, returns its generated name. */
export function uciAddSection(p: UciPackage, type: string, rec: Recorder): string {
  const s = allocSection(p, type, undefined);
  record(rec, { cmd: 'add', section: s.name, value: type });
  return s.name;
}

/** uci_delete: option, section, or (with a numeric value) one list item by index. */
export function uciDelete(p: UciPackage, ptr: UciPtr, rec: Recorder): void {
  const l = lookup(p, ptr);
  if (!l.complete) throw new UciError('NOTFOUND');
  if (!l.s) throw new UciError('INVAL');
  const section = l.section!;
  if (l.o && Array.isArray(l.o.value) && ptr.value) {
    const m = /^\s*[+-]?\d+/.exec(ptr.value);
    if (!m) throw new UciError('MEM'); // libuci returns 1 here
    let index = parseInt(m[0], 10);
    for (let i = 0; i < l.o.value.length; i++) {
      if (index === 0) {
        record(rec, { cmd: 'remove', section, option: ptr.option, value: ptr.value });
        l.o.value.splice(i, 1); // an emptied list stays (libuci), export then writes no line for it
        return;
      }
      index--;
    }
    return;
  }
  record(rec, { cmd: 'remove', section, option: ptr.option });
  if (ptr.option !== undefined) l.s.options.splice(l.s.options.indexOf(l.o!), 1);
  else p.sections.splice(p.sections.indexOf(l.s), 1);
}

/** uci_add_list: creates the list, or turns a string option into a list. */
export function uciAddList(p: UciPackage, ptr: UciPtr, rec: Recorder): void {
  const l = lookup(p, ptr);
  if (!l.s) throw new UciError('INVAL');
  if (ptr.value === undefined || ptr.option === undefined) throw new UciError('INVAL');
  if (!l.o) l.s.options.push({ name: ptr.option, value: [ptr.value] });
  else if (typeof l.o.value === 'string') l.o.value = [l.o.value, ptr.value];
  else l.o.value.push(ptr.value);
  record(rec, { cmd: 'list-add', section: l.section!, option: ptr.option, value: ptr.value });
}

/** uci_del_list: removes every list item equal to the value. */
export function uciDelList(p: UciPackage, ptr: UciPtr, rec: Recorder): void {
  const l = lookup(p, ptr);
  if (!l.s) throw new UciError('INVAL');
  if (ptr.value === undefined) throw new UciError('INVAL');
  if (!(l.o && ptr.option !== undefined)) return;
  if (!Array.isArray(l.o.value)) return;
  record(rec, { cmd: 'list-del', section: l.section!, option: ptr.option, value: ptr.value });
  l.o.value = l.o.value.filter((v) => v !== ptr.value);
}

/** uci_rename: renames a section (it stops being anonymous) or an option. */
export function uciRename(p: UciPackage, ptr: UciPtr, rec: Recorder): void {
  const l = lookup(p, ptr);
  if (!l.complete) throw new UciError('NOTFOUND');
  if (!l.s || ptr.value === undefined) throw new UciError('INVAL');
  record(rec, { cmd: 'rename', section: l.section!, option: ptr.option, value: ptr.value });
  if (l.o) l.o.name = ptr.value;
  else {
    l.s.name = ptr.value;
    l.s.anonymous = false;
  }
}

/** uci_reorder_section: records a delta only when the position changed. */
export function uciReorder(p: UciPackage, s: UciSection, pos: number, rec: Recorder): void {
  const old = p.sections.indexOf(s);
  p.sections.splice(old, 1);
  const at = Math.max(0, Math.min(pos, p.sections.length));
  p.sections.splice(at, 0, s);
  if (old !== at) record(rec, { cmd: 'reorder', section: s.name, value: String(pos) });
}

/** Replays one delta record without recording (uci_parse_delta_line); errors are ignored like libuci. */
export function replayDelta(p: UciPackage, d: Delta): void {
  const ptr: UciPtr = { package: p.name, section: d.section, option: d.option, value: d.value };
  try {
    switch (d.cmd) {
      case 'reorder': {
        const l = lookup(p, ptr);
        if (!l.complete || !l.s) throw new UciError('NOTFOUND');
        uciReorder(p, l.s, parseInt(d.value ?? '0', 10) || 0, null);
        break;
      }
      case 'rename':
        if (!d.value || !validateName(d.value)) return;
        uciRename(p, ptr, null);
        break;
      case 'remove':
        uciDelete(p, ptr, null);
        break;
      case 'list-add':
        uciAddList(p, ptr, null);
        break;
      case 'list-del':
        uciDelList(p, ptr, null);
        break;
      case 'add': {
        uciSet(p, ptr, null);
        const s = p.sections.find((x) => x.name === d.section);
        if (d.option === undefined && s) s.anonymous = true;
        break;
      }
      case 'change':
        uciSet(p, ptr, null);
        break;
    }
  } catch {
    // libuci: "ignore parse errors in single lines, we want to preserve as much delta as possible"
  }
}

// ---------------------------------------------------------------- text formats

/** uci_escape: ' becomes '\'' . */
export function uciEscape(s: string): string {
  return s.split("'").join("'\\''");
}

/** uci_export_package: the /etc/config file (header=false) or `uci export` (header=true). */
export function exportPackage(p: UciPackage, header: boolean, exportName = false): string {
  let out = header ? `package ${uciEscape(p.name)}\n` : '';
  for (const s of p.sections) {
    out += `\nconfig ${uciEscape(s.type)}`;
    if (!s.anonymous || exportName) out += ` '${uciEscape(s.name)}'`;
    out += '\n';
    for (const o of s.options) {
      if (Array.isArray(o.value)) for (const v of o.value) out += `\tlist ${uciEscape(o.name)} '${uciEscape(v)}'\n`;
      else out += `\toption ${uciEscape(o.name)} '${uciEscape(o.value)}'\n`;
    }
  }
  return out + '\n';
}

const DELTA_PREFIX: Record<DeltaCmd, string> = {
  add: '+',
  remove: '-',
  change: '',
  rename: '@',
  reorder: '^',
  'list-add': '|',
  'list-del': '~',
};

/** uci_delta_save: one line of /tmp/.uci/<pkg>. */
export function deltaFileLine(pkg: string, d: Delta): string {
  let out = `${DELTA_PREFIX[d.cmd]}${pkg}.${d.section}`;
  if (d.option !== undefined) out += `.${d.option}`;
  if (d.cmd === 'remove' && d.value === undefined) return out + '\n';
  return `${out}='${uciEscape(d.value ?? '')}'\n`;
}

/** uci_print_value of the CLI: single-quoted, embedded ' as '\'' . */
export function quoteValue(v: string): string {
  return `'${uciEscape(v)}'`;
}

/** `uci changes` line (cli.c uci_show_changes). */
export function cliChangeLine(pkg: string, d: Delta): string {
  const prefix = d.cmd === 'remove' ? '-' : '';
  const op = d.cmd === 'list-add' ? '+=' : d.cmd === 'list-del' ? '-=' : '=';
  let out = `${prefix}${pkg}.${d.section}`;
  if (d.option !== undefined) out += `.${d.option}`;
  if (d.cmd !== 'remove') out += op + quoteValue(d.value ?? '');
  return out + '\n';
}

const RPC_CHANGE_NAME: Record<DeltaCmd, string> = {
  reorder: 'order',
  remove: 'remove',
  rename: 'rename',
  add: 'add',
  'list-add': 'list-add',
  'list-del': 'list-del',
  change: 'set',
};

/** rpcd rpc_uci_dump_change: ["set","wan","password","x"], order values as numbers. */
export function rpcChange(d: Delta): (string | number)[] {
  const out: (string | number)[] = [RPC_CHANGE_NAME[d.cmd], d.section];
  if (d.option !== undefined) out.push(d.option);
  if (d.value !== undefined) out.push(d.cmd === 'reorder' ? parseInt(d.value, 10) >>> 0 : d.value);
  return out;
}

// ---------------------------------------------------------------- argument scanner (file.c next_arg/parse_str)

/**
 * A cursor over uci syntax text: quoting rules of file.c (single quotes literal, double quotes and bare words
 * with backslash escapes, multi-line quoted values, `#` comments, `;` separators). Shared by the config parser
 * and `uci batch`.
 */
export class UciScanner {
  pos = 0;
  line = 1;
  lineStart = 0;
  constructor(readonly text: string) {}

  get eof(): boolean {
    return this.pos >= this.text.length;
  }

  private cur(): string {
    return this.text[this.pos] ?? '';
  }

  skipInlineSpace(): void {
    while (this.cur() === ' ' || this.cur() === '\t' || this.cur() === '\r' || this.cur() === '\f' || this.cur() === '\v') this.pos++;
  }

  private nextLine(): void {
    this.pos++;
    this.line++;
    this.lineStart = this.pos;
  }

  /** Skips the rest of the current line including its newline. */
  skipLine(): void {
    while (!this.eof && this.cur() !== '\n') this.pos++;
    if (!this.eof) this.nextLine();
  }

  atEol(): boolean {
    return this.eof || this.cur() === '\n';
  }

  fail(reason: string): never {
    throw new UciError('PARSE', ` (${reason}) at line ${this.line}, byte ${this.pos - this.lineStart + 1}`);
  }

  /** next_arg: returns '' at end of line / `;` / comment. Does not consume the newline. */
  nextArg(): { value: string; semicolon: boolean } {
    this.skipInlineSpace();
    if (this.cur() === ';') {
      this.pos++;
      return { value: '', semicolon: true };
    }
    let out = '';
    let any = false;
    for (;;) {
      const c = this.cur();
      if (c === '' || c === '\n') break;
      if (c === ' ' || c === '\t' || c === '\r') {
        if (any) this.pos++;
        break;
      }
      if (c === '#') {
        while (!this.atEol()) this.pos++;
        break;
      }
      if (c === ';') break;
      if (c === "'") {
        any = true;
        this.pos++;
        for (;;) {
          const q = this.cur();
          if (q === '') this.fail("EOF with unterminated '");
          if (q === "'") {
            this.pos++;
            break;
          }
          if (q === '\n') {
            out += q;
            this.nextLine();
            continue;
          }
          out += q;
          this.pos++;
        }
        continue;
      }
      if (c === '"') {
        any = true;
        this.pos++;
        for (;;) {
          const q = this.cur();
          if (q === '') this.fail('EOF with unterminated "');
          if (q === '"') {
            this.pos++;
            break;
          }
          if (q === '\\') {
            if (this.backslash()) out += this.take();
            continue;
          }
          if (q === '\n') {
            out += q;
            this.nextLine();
            continue;
          }
          out += q;
          this.pos++;
        }
        continue;
      }
      if (c === '\\') {
        any = true;
        if (this.backslash()) out += this.take();
        continue;
      }
      any = true;
      out += c;
      this.pos++;
    }
    return { value: out, semicolon: false };
  }

  private take(): string {
    const c = this.cur();
    if (c === '\n') this.nextLine();
    else this.pos++;
    return c;
  }

  /** parse_backslash: false = line continuation (nothing to add). */
  private backslash(): boolean {
    this.pos++;
    const c = this.cur();
    if (c === '' || c === '\n' || (c === '\r' && this.text[this.pos + 1] === '\n')) {
      if (c === '\r') this.pos++;
      if (this.cur() === '\n') this.nextLine();
      return false;
    }
    return true;
  }
}

// ---------------------------------------------------------------- config file parser (file.c uci_parse_line)

/**
 * Parses /etc/config text (or `uci import` input). With `name` set the package statement is ignored
 * (single mode); otherwise `package <name>` switches packages. Returns all packages found.
 */
export function parseConfig(text: string, name?: string): UciPackage[] {
  const sc: UciScanner = new UciScanner(text);
  const pkgs: UciPackage[] = [];
  let pkg: UciPackage | undefined = name ? { name, sections: [], nSection: 0 } : undefined;
  if (pkg) pkgs.push(pkg);
  let section: UciSection | undefined;
  while (!sc.eof) {
    sc.skipInlineSpace();
    if (sc.atEol()) {
      sc.skipLine();
      continue;
    }
    // one line may hold several commands separated by ';'
    for (;;) {
      sc.skipInlineSpace();
      const word = sc.nextArg();
      if (word.value === '') {
        if (word.semicolon) continue;
        break;
      }
      const w = word.value;
      const is = (short: string, long: string): boolean => w === short || w === long;
      if (is('p', 'package')) {
        const arg = sc.nextArg().value;
        if (!arg) sc.fail('package without name');
        if (!validatePackage(arg)) sc.fail('invalid character in name field');
        if (!name) {
          if (pkgs.some((x) => x.name === arg)) throw new UciError('DUPLICATE');
          pkg = { name: arg, sections: [], nSection: 0 };
          pkgs.push(pkg);
          section = undefined;
        }
      } else if (is('c', 'config')) {
        if (!pkg) sc.fail('attempting to import a file without a package name');
        const type = sc.nextArg().value;
        if (!type) sc.fail('insufficient arguments');
        if (!validateType(type)) sc.fail('invalid character in type field');
        const sname = sc.nextArg().value;
        if (sname && !validateName(sname)) sc.fail('invalid character in name field');
        if (sc.nextArg().value) sc.fail('too many arguments');
        if (!sname) {
          uciAddSection(pkg, type, null);
          section = pkg.sections[pkg.sections.length - 1];
        } else {
          const existing = pkg.sections.find((s) => s.name === sname);
          if (existing && existing.type !== type) sc.fail('section of different type overwrites prior section with same name');
          uciSet(pkg, { package: pkg.name, section: sname, value: type }, null);
          section = pkg.sections.find((s) => s.name === sname);
        }
      } else if (is('o', 'option') || is('l', 'list')) {
        if (!section || !pkg) sc.fail('option/list command found before the first section');
        const oname = sc.nextArg().value;
        if (!oname) sc.fail('insufficient arguments');
        if (!validateName(oname)) sc.fail('invalid character in name field');
        const value = sc.nextArg().value;
        if (sc.nextArg().value) sc.fail('too many arguments');
        const ptr: UciPtr = { package: pkg.name, section: section.name, option: oname, value };
        if (is('l', 'list')) uciAddList(pkg, ptr, null);
        else uciSet(pkg, ptr, null);
      } else {
        sc.fail('invalid command');
      }
      sc.skipInlineSpace();
      if (sc.atEol()) break;
    }
    sc.skipLine();
  }
  return pkgs;
}

/** Parses one package's /etc/config file. */
export function parsePackage(name: string, text: string): UciPackage {
  return parseConfig(text, name)[0]!;
}

export function optionString(o: UciOption | undefined): string | undefined {
  if (!o) return undefined;
  return Array.isArray(o.value) ? o.value.join(' ') : o.value;
}
