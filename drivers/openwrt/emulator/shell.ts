// Why: dropbear runs `ash -c "<command>"`; the shell, not uci, is where quoting goes wrong (openwrt.md §8
// pitfall 8, fixtures cli-12/20/21/24). A minimal POSIX parser/interpreter: quotes, $VAR expansion (also in
// double quotes), backslashes, ; && || |, comments, here-documents, simple redirections.

type Part = { t: 'lit'; s: string; q: boolean } | { t: 'var'; name: string; q: boolean };
type Word = Part[];

interface Redir {
  fd: number;
  op: '>' | '>>' | '<' | '>&' | '<<';
  target?: Word | undefined;
  dupFd?: number | undefined;
  heredoc?: { body: string; expand: boolean } | undefined;
}

interface SimpleCmd {
  assigns: { name: string; value: Word }[];
  words: Word[];
  redirs: Redir[];
}

interface Pipeline {
  cmds: SimpleCmd[];
  negate: boolean;
}

interface AndOr {
  first: Pipeline;
  rest: { op: '&&' | '||'; p: Pipeline }[];
}

export class ShellSyntaxError extends Error {}

const META = new Set([' ', '\t', '\n', ';', '&', '|', '<', '>', '(', ')']);

class Parser {
  private pos = 0;
  private pendingHeredocs: { redir: Redir; delim: string; strip: boolean }[] = [];

  constructor(private readonly src: string) {}

  private peek(o = 0): string {
    return this.src[this.pos + o] ?? '';
  }

  parse(): AndOr[] {
    const out: AndOr[] = [];
    for (;;) {
      this.skipBlanksAndNewlines();
      if (this.pos >= this.src.length) break;
      const ao = this.andOr();
      if (ao) out.push(ao);
      this.skipBlanks();
      const c = this.peek();
      if (c === ';' || c === '&') {
        this.pos++;
        if (this.peek() === ';') throw new ShellSyntaxError(`syntax error: unexpected ";;"`);
      } else if (c === '\n') this.newline();
      else if (this.pos < this.src.length) throw new ShellSyntaxError(`syntax error: unexpected "${c}"`);
    }
    return out;
  }

  private skipBlanks(): void {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t') this.pos++;
      else if (c === '\\' && this.peek(1) === '\n') this.pos += 2;
      else if (c === '#') {
        while (this.pos < this.src.length && this.peek() !== '\n') this.pos++;
      } else break;
    }
  }

  private skipBlanksAndNewlines(): void {
    for (;;) {
      this.skipBlanks();
      if (this.peek() === '\n') this.newline();
      else break;
    }
  }

  /** Consumes a newline and reads any pending here-document bodies that follow it. */
  private newline(): void {
    this.pos++;
    for (const h of this.pendingHeredocs) {
      let body = '';
      for (;;) {
        if (this.pos >= this.src.length) break;
        const end = this.src.indexOf('\n', this.pos);
        const line = end < 0 ? this.src.slice(this.pos) : this.src.slice(this.pos, end);
        this.pos = end < 0 ? this.src.length : end + 1;
        const cmp = h.strip ? line.replace(/^\t+/, '') : line;
        if (cmp === h.delim) break;
        body += cmp + '\n';
      }
      h.redir.heredoc = { body, expand: h.redir.heredoc!.expand };
    }
    this.pendingHeredocs = [];
  }

  private andOr(): AndOr | undefined {
    const first = this.pipeline();
    if (!first) return undefined;
    const ao: AndOr = { first, rest: [] };
    for (;;) {
      this.skipBlanks();
      const two = this.peek() + this.peek(1);
      if (two !== '&&' && two !== '||') break;
      this.pos += 2;
      this.skipBlanksAndNewlines();
      const p = this.pipeline();
      if (!p) throw new ShellSyntaxError(`syntax error: unexpected end of file`);
      ao.rest.push({ op: two, p });
    }
    return ao;
  }

  private pipeline(): Pipeline | undefined {
    this.skipBlanks();
    let negate = false;
    if (this.peek() === '!' && (this.peek(1) === ' ' || this.peek(1) === '\t')) {
      negate = true;
      this.pos++;
    }
    const first = this.simple();
    if (!first) {
      if (negate) throw new ShellSyntaxError('syntax error: unexpected end of file');
      return undefined;
    }
    const p: Pipeline = { cmds: [first], negate };
    for (;;) {
      this.skipBlanks();
      if (this.peek() !== '|' || this.peek(1) === '|') break;
      this.pos++;
      this.skipBlanksAndNewlines();
      const c = this.simple();
      if (!c) throw new ShellSyntaxError('syntax error: unexpected end of file');
      p.cmds.push(c);
    }
    return p;
  }

  private simple(): SimpleCmd | undefined {
    const cmd: SimpleCmd = { assigns: [], words: [], redirs: [] };
    for (;;) {
      this.skipBlanks();
      const c = this.peek();
      if (c === '' || c === '\n' || c === ';' || c === '&' || c === '|') break;
      if (c === '(' || c === ')') throw new ShellSyntaxError(`syntax error: unexpected "${c}"`);
      // redirection with optional fd number
      const m = /^(\d*)(>>|>&|<<-|<<|<&|>|<)/.exec(this.src.slice(this.pos));
      if (m) {
        this.pos += m[0].length;
        const op = m[2]!;
        const fd = m[1] ? parseInt(m[1], 10) : op.startsWith('<') ? 0 : 1;
        this.skipBlanks();
        const raw = this.pos;
        const target = this.word();
        if (!target) throw new ShellSyntaxError('syntax error: unexpected newline');
        if (op === '<<' || op === '<<-') {
          const rawText = this.src.slice(raw, this.pos);
          const quoted = /['"\\]/.test(rawText);
          const redir: Redir = { fd: 0, op: '<<', heredoc: { body: '', expand: !quoted } };
          cmd.redirs.push(redir);
          this.pendingHeredocs.push({ redir, delim: target.map((p) => (p.t === 'lit' ? p.s : '$' + p.name)).join(''), strip: op === '<<-' });
        } else if (op === '>&' || op === '<&') {
          const t = target.map((p) => (p.t === 'lit' ? p.s : '')).join('');
          if (/^\d+$/.test(t)) cmd.redirs.push({ fd, op: '>&', dupFd: parseInt(t, 10) });
          else cmd.redirs.push({ fd, op: '>', target });
        } else cmd.redirs.push({ fd, op: op as '>' | '>>' | '<', target });
        continue;
      }
      const w = this.word();
      if (!w) break;
      const first = w[0];
      if (cmd.words.length === 0 && first?.t === 'lit' && !first.q) {
        const am = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(first.s);
        if (am) {
          const rest: Word = [{ t: 'lit', s: first.s.slice(am[0].length), q: false }, ...w.slice(1)];
          cmd.assigns.push({ name: am[1]!, value: rest });
          continue;
        }
      }
      cmd.words.push(w);
    }
    if (!cmd.words.length && !cmd.assigns.length && !cmd.redirs.length) return undefined;
    return cmd;
  }

  private varRef(quoted: boolean): Part | undefined {
    // at '$'
    const rest = this.src.slice(this.pos + 1);
    let m = /^\{([A-Za-z_][A-Za-z0-9_]*|[0-9?$#!@*-])\}/.exec(rest);
    if (m) {
      this.pos += 1 + m[0].length;
      return { t: 'var', name: m[1]!, q: quoted };
    }
    m = /^([A-Za-z_][A-Za-z0-9_]*|[0-9?$#!@*-])/.exec(rest);
    if (m) {
      this.pos += 1 + m[0].length;
      return { t: 'var', name: m[1]!, q: quoted };
    }
    if (rest.startsWith('(')) throw new ShellSyntaxError('command substitution is not supported by this emulator');
    return undefined;
  }

  private word(): Word | undefined {
    const parts: Part[] = [];
    const lit = (s: string, q: boolean): void => {
      const last = parts[parts.length - 1];
      if (last && last.t === 'lit' && last.q === q) last.s += s;
      else parts.push({ t: 'lit', s, q });
    };
    let any = false;
    for (;;) {
      const c = this.peek();
      if (c === '' || META.has(c)) break;
      any = true;
      if (c === '\\') {
        const n = this.peek(1);
        if (n === '\n') {
          this.pos += 2;
          continue;
        }
        this.pos += 2;
        if (n) lit(n, true);
        continue;
      }
      if (c === "'") {
        const end = this.src.indexOf("'", this.pos + 1);
        if (end < 0) throw new ShellSyntaxError('syntax error: unterminated quoted string');
        lit(this.src.slice(this.pos + 1, end), true);
        if (end === this.pos + 1) parts.push({ t: 'lit', s: '', q: true });
        this.pos = end + 1;
        continue;
      }
      if (c === '"') {
        this.pos++;
        let empty = true;
        for (;;) {
          const d = this.peek();
          if (d === '') throw new ShellSyntaxError('syntax error: unterminated quoted string');
          if (d === '"') {
            this.pos++;
            break;
          }
          empty = false;
          if (d === '\\') {
            const n = this.peek(1);
            if (n === '$' || n === '`' || n === '"' || n === '\\') {
              lit(n, true);
              this.pos += 2;
            } else if (n === '\n') this.pos += 2;
            else {
              lit('\\', true);
              this.pos++;
            }
            continue;
          }
          if (d === '$') {
            const v = this.varRef(true);
            if (v) parts.push(v);
            else {
              lit('$', true);
              this.pos++;
            }
            continue;
          }
          if (d === '`') throw new ShellSyntaxError('command substitution is not supported by this emulator');
          lit(d, true);
          this.pos++;
        }
        if (empty) parts.push({ t: 'lit', s: '', q: true });
        continue;
      }
      if (c === '$') {
        const v = this.varRef(false);
        if (v) parts.push(v);
        else {
          lit('$', false);
          this.pos++;
        }
        continue;
      }
      if (c === '`') throw new ShellSyntaxError('command substitution is not supported by this emulator');
      lit(c, false);
      this.pos++;
    }
    return any ? parts : undefined;
  }
}

export function parseScript(src: string): AndOr[] {
  return new Parser(src).parse();
}

// ---------------------------------------------------------------- interpreter

export interface CommandIO {
  /** Everything on stdin (waits for EOF of the channel when it is the session's stdin). */
  stdin(): Promise<string>;
  out(s: string): void;
  err(s: string): void;
  env: Map<string, string>;
}

export type Command = (argv: string[], io: CommandIO) => Promise<number> | number;

export interface ShellHost {
  /** Looks up a command by name or path (/sbin/uci, /etc/init.d/network...). */
  command(name: string): Command | undefined;
  readFile(path: string): string | undefined;
  /** Returns an error message on failure. */
  writeFile(path: string, data: string, append: boolean): string | undefined;
}

class ExitSignal {
  constructor(readonly code: number) {}
}

export class Shell {
  readonly env: Map<string, string>;
  private status = 0;

  constructor(
    private readonly host: ShellHost,
    env: Record<string, string>,
  ) {
    this.env = new Map(Object.entries(env));
  }

  private lookupVar(name: string): string {
    if (name === '?') return String(this.status);
    if (name === '$') return '1234';
    if (name === '#') return '0';
    if (name === '0') return 'ash';
    return this.env.get(name) ?? '';
  }

  /** Word expansion with field splitting of unquoted expansions (no globbing: nothing would match). */
  private expand(w: Word): string[] {
    const fields: string[] = [];
    let cur = '';
    let have = false;
    for (const p of w) {
      if (p.t === 'lit') {
        let s = p.s;
        if (!p.q && p === w[0] && s.startsWith('~') && (s.length === 1 || s[1] === '/')) s = (this.env.get('HOME') ?? '/root') + s.slice(1);
        cur += s;
        have = true;
      } else {
        const v = this.lookupVar(p.name);
        if (p.q) {
          cur += v;
          have = true;
        } else {
          const pieces = v.split(/[ \t\n]+/);
          pieces.forEach((piece, idx) => {
            if (idx > 0) {
              if (have) fields.push(cur);
              cur = '';
              have = false;
            }
            if (piece) {
              cur += piece;
              have = true;
            }
          });
        }
      }
    }
    if (have) fields.push(cur);
    return fields;
  }

  private expandHeredoc(body: string): string {
    return body.replace(/\\([$`\\\n])|\$\{([A-Za-z_][A-Za-z0-9_]*|[?$#0-9])\}|\$([A-Za-z_][A-Za-z0-9_]*|[?$#0-9])/g, (_m, esc: string | undefined, a: string | undefined, b: string | undefined) => {
      if (esc !== undefined) return esc === '\n' ? '' : esc;
      return this.lookupVar((a ?? b)!);
    });
  }

  async run(src: string, io: Omit<CommandIO, 'env'>): Promise<number> {
    let script: AndOr[];
    try {
      script = parseScript(src);
    } catch (e) {
      io.err(`ash: ${(e as Error).message}\n`);
      return 2;
    }
    try {
      for (const ao of script) {
        this.status = await this.runPipeline(ao.first, io);
        for (const r of ao.rest) {
          if ((r.op === '&&') === (this.status === 0)) this.status = await this.runPipeline(r.p, io);
        }
      }
    } catch (e) {
      if (e instanceof ExitSignal) return e.code;
      throw e;
    }
    return this.status;
  }

  private async runPipeline(p: Pipeline, io: Omit<CommandIO, 'env'>): Promise<number> {
    let input: string | undefined;
    let code = 0;
    for (let n = 0; n < p.cmds.length; n++) {
      const last = n === p.cmds.length - 1;
      let captured = '';
      const cmdIo: Omit<CommandIO, 'env'> = {
        stdin: input !== undefined ? ((v: string) => async () => v)(input) : n === 0 ? io.stdin : async () => '',
        out: last ? io.out : (s) => (captured += s),
        err: io.err,
      };
      code = await this.runSimple(p.cmds[n]!, cmdIo);
      input = captured;
    }
    return p.negate ? (code === 0 ? 1 : 0) : code;
  }

  private async runSimple(c: SimpleCmd, io: Omit<CommandIO, 'env'>): Promise<number> {
    const argv = c.words.flatMap((w) => this.expand(w));
    const assigns = c.assigns.map((a) => [a.name, this.expand(a.value).join(' ')] as const);
    if (argv.length === 0) {
      for (const [k, v] of assigns) this.env.set(k, v);
    }
    let out = io.out;
    let err = io.err;
    let stdin = io.stdin;
    for (const r of c.redirs) {
      if (r.op === '<<') {
        const body = r.heredoc!.expand ? this.expandHeredoc(r.heredoc!.body) : r.heredoc!.body;
        stdin = async () => body;
        continue;
      }
      if (r.op === '>&') {
        if (r.fd === 2 && r.dupFd === 1) err = out;
        else if (r.fd === 1 && r.dupFd === 2) out = err;
        continue;
      }
      const target = this.expand(r.target!).join(' ');
      if (r.op === '<') {
        const data = this.host.readFile(target);
        if (data === undefined) {
          io.err(`ash: can't open '${target}': No such file or directory\n`);
          return 1;
        }
        stdin = async () => data;
        continue;
      }
      const append = r.op === '>>';
      if (target === '/dev/null') {
        if (r.fd === 1) out = () => undefined;
        if (r.fd === 2) err = () => undefined;
        continue;
      }
      const failure = this.host.writeFile(target, '', append);
      if (failure) {
        io.err(`ash: can't create ${target}: ${failure}\n`);
        return 1;
      }
      const sink = (s: string): void => void this.host.writeFile(target, s, true);
      if (r.fd === 1) out = sink;
      if (r.fd === 2) err = sink;
    }
    if (argv.length === 0) return 0;
    const name = argv[0]!;
    if (name === 'exit') throw new ExitSignal(argv[1] !== undefined ? parseInt(argv[1], 10) & 0xff || 0 : this.status);
    if (name === 'export') {
      for (const a of argv.slice(1)) {
        const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(a);
        if (m) this.env.set(m[1]!, m[2]!);
      }
      return 0;
    }
    const cmd = this.host.command(name);
    if (!cmd) {
      err(`ash: ${name}: not found\n`);
      return 127;
    }
    const env = new Map(this.env);
    for (const [k, v] of assigns) env.set(k, v);
    return (await cmd(argv, { stdin, out, err, env })) & 0xff;
  }
}
