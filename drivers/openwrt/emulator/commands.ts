// Why: the programs an SSH session can run besides uci: the ubus CLI (fixtures 90/99), netifd's ifup/ifdown/
// ifstatus scripts, /etc/init.d/network, reload_config, logread, and a few busybox tools, over a tiny
// virtual file system (/etc/config, /tmp/.uci deltas, /tmp scratch files).
import type { Netifd } from './netifd.js';
import { busyboxPing, type Reachability } from './ping.js';
import type { Command, CommandIO, ShellHost } from './shell.js';
import type { Syslog } from './syslog.js';
import { uciCommand } from './uci-cli.js';
import { deltaFileLine } from './uci-model.js';
import type { UciStore } from './uci-store.js';
import { blobJson, cliSignature, isPlainObject, UBUS_STRERROR, type Json, type JsonObject, type Ubus } from './ubus.js';

export const UBUS_USAGE =
  'Usage: ubus [<options>] <command> [arguments...]\nOptions:\n -s <socket>:\t\tSet the unix domain socket to connect to\n -t <timeout>:\t\tSet the timeout (in seconds) for a command to complete\n -S:\t\t\tUse simplified output (for scripts)\n -v:\t\t\tMore verbose output\n -m <type>:\t\t(for monitor): include a specific message type\n\t\t\t(can be used more than once)\n -M <r|t>\t\t(for monitor): only capture received or transmitted traffic\n\nCommands:\n - list [<path>]\t\t\tList objects\n - call <path> <method> [<message>]\tCall an object method\n - subscribe <path> [<path>...]\tSubscribe to object(s) notifications\n - listen [<path>...]\t\t\tListen for events\n - send <type> [<message>]\t\tSend an event\n - wait_for <object> [<object>...]\tWait for multiple objects to appear on ubus\n - monitor\t\t\t\tMonitor ubus traffic\n\n';

export interface CommandDeps {
  store: UciStore;
  bus: Ubus;
  netifd: () => Netifd;
  syslog: Syslog;
  /** Static read-only files (/etc/openwrt_release, /etc/passwd...). */
  staticFiles: Record<string, string>;
  reboot(): void;
  /** The lab's network model for ping; absent = everything answers while the WAN is up. */
  reachable?: Reachability | undefined;
}

/** The emulator's file system: what `cat`, redirections, `cp` and `uci -f` see. */
export class VirtualFs {
  readonly tmp = new Map<string, string>();
  private readonly pendingConfig = new Map<string, string>();

  constructor(private readonly d: CommandDeps) {}

  read(path: string): string | undefined {
    const norm = path.replace(/\/+/g, '/');
    let m = /^\/etc\/config\/([^/]+)$/.exec(norm);
    if (m) return this.d.store.fileText(m[1]!);
    m = /^\/tmp\/\.uci\/([^/]+)$/.exec(norm);
    if (m) {
      const changes = this.d.store.changes('cli', m[1]!);
      return changes.length ? changes.map((c) => deltaFileLine(m![1]!, c)).join('') : undefined;
    }
    if (norm in this.d.staticFiles) return this.d.staticFiles[norm];
    return this.tmp.get(norm);
  }

  write(path: string, data: string, append: boolean): string | undefined {
    const norm = path.replace(/\/+/g, '/');
    const m = /^\/etc\/config\/([^/.]+)$/.exec(norm);
    if (m) {
      // a shell writes a file in pieces (truncate, then appends); the package is replaced once it parses
      const text = (append ? this.pendingConfig.get(m[1]!) ?? this.d.store.fileText(m[1]!) ?? '' : '') + data;
      this.pendingConfig.set(m[1]!, text);
      try {
        this.d.store.setFileText(m[1]!, text);
        this.pendingConfig.delete(m[1]!);
      } catch {
        /* not parsable yet: keep the last good package */
      }
      return undefined;
    }
    if (norm.startsWith('/tmp/') && !norm.startsWith('/tmp/.uci/')) {
      this.tmp.set(norm, (append ? this.tmp.get(norm) ?? '' : '') + data);
      return undefined;
    }
    return 'Read-only file system';
  }
}

function basename(p: string): string {
  return p.split('/').pop() ?? p;
}

function ubusCommand(d: CommandDeps): Command {
  return (argv, io) => {
    let simple = false;
    let verbose = 0;
    let i = 1;
    for (; i < argv.length; i++) {
      const a = argv[i]!;
      if (!a.startsWith('-') || a === '-') break;
      if (a === '--') {
        i++;
        break;
      }
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        if (c === 'S') simple = true;
        else if (c === 'v') verbose++;
        else if ('smMt'.includes(c)) {
          if (j + 1 >= a.length) i++;
          break;
        } else {
          io.err(UBUS_USAGE);
          return 1;
        }
      }
    }
    const args = argv.slice(i);
    if (args.length < 1) {
      io.err(UBUS_USAGE);
      return 1;
    }
    const [cmd, ...rest] = args;
    let ret = -2;
    const cliError = (err: number): number => {
      if (!simple) {
        io.err(`Command failed: ubus ${cmd} ${rest.map((a) => a + ' ').join('')}(${UBUS_STRERROR[err] ?? 'Unknown error'})\n`);
        return -err;
      }
      return err;
    };
    if (cmd === 'list') {
      if (rest.length > 1) ret = -2;
      else {
        const objs = d.bus.lookupPattern(rest[0]);
        if (objs.length === 0) ret = 4;
        else {
          for (const o of objs) io.out(simple || !verbose ? `${o.name}\n` : cliSignature(o));
          ret = 0;
        }
      }
    } else if (cmd === 'call') {
      if (rest.length < 2 || rest.length > 3) ret = -2;
      else {
        let msg: JsonObject = {};
        let parsed = true;
        if (rest.length === 3) {
          try {
            const v = JSON.parse(rest[2]!) as Json;
            if (!isPlainObject(v)) throw new Error('not an object');
            msg = v;
          } catch {
            parsed = false;
          }
        }
        if (!parsed) ret = cliError(12);
        else if (!d.bus.lookup(rest[0]!)) ret = 4;
        else {
          const r = d.bus.invoke(rest[0]!, rest[1]!, msg, {});
          if (r.data && Object.keys(r.data).length) io.out(blobJson(r.data, simple ? -1 : 0) + '\n');
          ret = r.status ? cliError(r.status) : 0;
        }
      }
    } else if (['listen', 'subscribe', 'send', 'wait_for', 'monitor'].includes(cmd!)) {
      io.err('ubus: this command is not supported by the emulator\n');
      return 1;
    }
    if (ret > 0 && !simple) io.err(`Command failed: ${UBUS_STRERROR[ret] ?? 'Unknown error'}\n`);
    else if (ret === -2) io.err(UBUS_USAGE);
    return ret & 0xff;
  };
}

function echo(argv: string[], io: CommandIO): number {
  let args = argv.slice(1);
  let newline = true;
  let escapes = false;
  while (args.length && /^-[neE]+$/.test(args[0]!)) {
    for (const c of args[0]!.slice(1)) {
      if (c === 'n') newline = false;
      if (c === 'e') escapes = true;
      if (c === 'E') escapes = false;
    }
    args = args.slice(1);
  }
  let s = args.join(' ');
  if (escapes) s = s.replace(/\\([ntr\\])/g, (_m, c: string) => ({ n: '\n', t: '\t', r: '\r', '\\': '\\' })[c]!);
  io.out(s + (newline ? '\n' : ''));
  return 0;
}

function printf(argv: string[], io: CommandIO): number {
  const fmt = argv[1];
  if (fmt === undefined) {
    io.err('printf: usage: printf FORMAT [ARGUMENT...]\n');
    return 1;
  }
  const args = argv.slice(2);
  let out = '';
  do {
    out += fmt.replace(/%([%sdi])|\\([ntr\\'"])/g, (_m, f: string | undefined, e: string | undefined) => {
      if (e) return ({ n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"' })[e]!;
      if (f === '%') return '%';
      const a = args.shift() ?? '';
      return f === 's' ? a : String(parseInt(a, 10) || 0);
    });
  } while (args.length && /%[sdi]/.test(fmt));
  io.out(out);
  return 0;
}

export function createShellHost(d: CommandDeps): ShellHost & { fs: VirtualFs } {
  const fs = new VirtualFs(d);
  const uci = uciCommand({ store: d.store, readFile: (p) => fs.read(p) });
  const ubus = ubusCommand(d);
  const callIface = (io: CommandIO, method: string, iface: string): void => {
    const r = d.bus.invoke('network.interface', method, { interface: iface }, {});
    if (r.status) io.err(`Command failed: ubus call network.interface ${method} { "interface" : "${iface}" } (${UBUS_STRERROR[r.status]})\n`);
  };
  const ifupdown =
    (modes: string[]): Command =>
    (argv, io) => {
      const all = argv.includes('-a');
      const names = argv.slice(1).filter((a) => !a.startsWith('-'));
      if (!all && names.length === 0) {
        io.err(`Usage: ${basename(argv[0]!)} [-a] [-w] [interface]\n`);
        return 1;
      }
      if (modes.length === 2) d.bus.invoke('network', 'reload', {}, {});
      const targets = all ? d.netifd().names() : [names[0]!];
      for (const n of targets) {
        if (!d.netifd().has(n)) {
          io.out(`Interface ${n} not found\n`);
          return 0;
        }
        for (const m of modes) callIface(io, m, n);
      }
      return 0;
    };
  const readLines = async (argv: string[], io: CommandIO, name: string): Promise<string | undefined> => {
    const files = argv.filter((a) => !a.startsWith('-'));
    if (!files.length) return io.stdin();
    let out = '';
    for (const f of files) {
      const data = fs.read(f);
      if (data === undefined) {
        io.err(`${name}: ${f}: No such file or directory\n`);
        return undefined;
      }
      out += data;
    }
    return out;
  };
  const commands: Record<string, Command> = {
    uci,
    ubus,
    echo,
    printf,
    true: () => 0,
    false: () => 1,
    ':': () => 0,
    sleep: async (argv) => {
      const s = parseFloat(argv[1] ?? '0') || 0;
      await new Promise<void>((r) => setTimeout(r, Math.min(s, 60) * 1000).unref());
      return 0;
    },
    cat: async (argv, io) => {
      const files = argv.slice(1).filter((a) => a !== '-');
      if (!files.length) {
        io.out(await io.stdin());
        return 0;
      }
      let code = 0;
      for (const f of files) {
        const data = fs.read(f);
        if (data === undefined) {
          io.err(`cat: can't open '${f}': No such file or directory\n`);
          code = 1;
        } else io.out(data);
      }
      return code;
    },
    cp: (argv, io) => {
      const [src, dst] = argv.slice(1).filter((a) => !a.startsWith('-'));
      if (!src || !dst) {
        io.err('BusyBox v1.37.0 multi-call binary.\n\nUsage: cp [-arPLHpfinlsTu] SOURCE DEST\n');
        return 1;
      }
      const data = fs.read(src);
      if (data === undefined) {
        io.err(`cp: can't stat '${src}': No such file or directory\n`);
        return 1;
      }
      const target = dst.endsWith('/') || dst === '/tmp' || dst === '/etc/config' ? `${dst.replace(/\/$/, '')}/${basename(src)}` : dst;
      const failure = fs.write(target, data, false);
      if (failure) {
        io.err(`cp: can't create '${target}': ${failure}\n`);
        return 1;
      }
      return 0;
    },
    rm: (argv) => {
      for (const f of argv.slice(1).filter((a) => !a.startsWith('-'))) fs.tmp.delete(f);
      return 0;
    },
    mkdir: () => 0,
    grep: async (argv, io) => {
      const flags = argv.slice(1).filter((a) => /^-[a-zA-Z]+$/.test(a)).join('');
      const rest = argv.slice(1).filter((a) => !/^-[a-zA-Z]+$/.test(a));
      const pattern = rest.shift();
      if (pattern === undefined) {
        io.err('Usage: grep [-vqiF] PATTERN [FILE]...\n');
        return 2;
      }
      const text = await readLines(rest, io, 'grep');
      if (text === undefined) return 2;
      const re = flags.includes('F') ? undefined : new RegExp(pattern, flags.includes('i') ? 'i' : '');
      const hit = (l: string): boolean => (re ? re.test(l) : l.includes(pattern)) !== flags.includes('v');
      const lines = text.split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      const matched = lines.filter(hit);
      if (!flags.includes('q')) io.out(matched.map((l) => l + '\n').join(''));
      return matched.length ? 0 : 1;
    },
    head: async (argv, io) => {
      const n = parseInt(argv[argv.indexOf('-n') + 1] ?? '10', 10) || 10;
      const text = await readLines(argv.slice(1).filter((a, i, all) => a !== '-n' && all[i - 1] !== '-n'), io, 'head');
      if (text === undefined) return 1;
      io.out(text.split(/(?<=\n)/).slice(0, n).join(''));
      return 0;
    },
    tail: async (argv, io) => {
      const n = parseInt(argv[argv.indexOf('-n') + 1] ?? '10', 10) || 10;
      const text = await readLines(argv.slice(1).filter((a, i, all) => a !== '-n' && all[i - 1] !== '-n'), io, 'tail');
      if (text === undefined) return 1;
      io.out(text.split(/(?<=\n)/).slice(-n).join(''));
      return 0;
    },
    ifup: ifupdown(['down', 'up']),
    ifdown: ifupdown(['down']),
    ifstatus: (argv, io) => {
      const n = argv[1];
      if (!n) {
        io.out('Usage: /sbin/ifstatus <interface>\n');
        return 1;
      }
      if (!d.netifd().has(n)) {
        io.out(`Interface ${n} not found\n`);
        return 1;
      }
      const r = d.bus.invoke('network.interface', 'status', { interface: n }, {});
      if (r.data) io.out(blobJson(r.data, 0) + '\n');
      return 0;
    },
    network: (argv, io) => {
      const action = argv[1];
      if (action === 'reload' || action === 'start') d.bus.invoke('network', 'reload', {}, {});
      else if (action === 'restart') d.bus.invoke('network', 'restart', {}, {});
      else if (action === 'stop') for (const n of d.netifd().names()) d.netifd().down(n);
      else if (action === 'enable' || action === 'disable' || action === 'enabled' || action === 'running') return 0;
      else {
        io.err(
          'Syntax: /etc/init.d/network [command]\n\nAvailable commands:\n\tstart\t\tStart the service\n\tstop\t\tStop the service\n\trestart\t\tRestart the service\n\treload\t\tReload configuration files (or restart if service does not implement reload)\n\tenable\t\tEnable service autostart\n\tdisable\t\tDisable service autostart\n\tenabled\t\tCheck if service is started on boot\n\trunning\t\tCheck if service is running\n\tstatus\t\tService status\n\ttrace\t\tStart with syscall trace\n\tinfo\t\tDump procd service info\n',
        );
        return 1;
      }
      return 0;
    },
    reload_config: () => {
      // procd compares config checksums and sends config.change; netifd restarts what changed
      d.bus.invoke('network', 'reload', {}, {});
      return 0;
    },
    logread: (argv, io) => {
      let lines = d.syslog.all();
      const e = argv.indexOf('-e');
      if (e >= 0 && argv[e + 1] !== undefined) {
        const re = new RegExp(argv[e + 1]!);
        lines = lines.filter((l) => re.test(l));
      }
      const l = argv.indexOf('-l');
      if (l >= 0 && argv[l + 1] !== undefined) lines = lines.slice(-(parseInt(argv[l + 1]!, 10) || 0));
      io.out(lines.map((x) => x + '\n').join(''));
      return 0;
    },
    ping: (argv, io) => {
      const r = busyboxPing(argv, { online: () => d.netifd().online(), reachable: d.reachable });
      io.out(r.stdout);
      io.err(r.stderr);
      return r.code;
    },
    reboot: () => {
      d.reboot();
      return 0;
    },
  };
  const dirs = ['/bin/', '/sbin/', '/usr/bin/', '/usr/sbin/'];
  return {
    fs,
    command(name) {
      if (name === '/etc/init.d/network') return commands.network;
      if (name === 'network') return undefined;
      for (const dir of dirs) if (name.startsWith(dir)) return commands[name.slice(dir.length)];
      if (name.includes('/')) return undefined;
      return Object.hasOwn(commands, name) ? commands[name] : undefined;
    },
    readFile: (p) => fs.read(p),
    writeFile: (p, data, append) => fs.write(p, data, append),
  };
}
