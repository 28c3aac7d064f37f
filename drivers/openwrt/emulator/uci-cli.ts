// Why: the `uci` command-line tool (openwrt/uci cli.c @66127cd) over the CLI delta (/tmp/.uci): output,
// stderr messages and exit codes as in the cli-* fixtures. CLI commit writes files and reloads nothing.
import type { CommandIO } from './shell.js';
import {
  exportPackage,
  lookup,
  parsePtr,
  quoteValue,
  cliChangeLine,
  uciAddList,
  uciAddSection,
  uciDelList,
  uciDelete,
  uciRename,
  uciReorder,
  uciSet,
  UciError,
  UciScanner,
  UCI_ERRNO,
  UCI_ERRSTR,
  type Delta,
  type Lookup,
  type UciOption,
  type UciPackage,
  type UciPtr,
  type UciSection,
} from './uci-model.js';
import type { UciStore } from './uci-store.js';

export const UCI_USAGE =
  'Usage: uci [<options>] <command> [<arguments>]\n\nCommands:\n\tbatch\n\texport     [<config>]\n\timport     [<config>]\n\tchanges    [<config>]\n\tcommit     [<config>]\n\tadd        <config> <section-type>\n\tadd_list   <config>.<section>.<option>=<string>\n\tdel_list   <config>.<section>.<option>=<string>\n\tshow       [<config>[.<section>[.<option>]]]\n\tget        <config>.<section>[.<option>]\n\tset        <config>.<section>[.<option>]=<value>\n\tdelete     <config>[.<section>[[.<option>][=<id>]]]\n\trename     <config>.<section>[.<option>]=<name>\n\trevert     <config>[.<section>[.<option>]]\n\treorder    <config>.<section>=<position>\n\nOptions:\n\t-c <path>  set the search path for config files (default: /etc/config)\n\t-C <path>  set the search path for config override files (default: /var/run/uci)\n\t-d <str>   set the delimiter for list values in uci show\n\t-f <file>  use <file> as input instead of stdin\n\t-m         when importing, merge data into an existing package\n\t-n         name unnamed sections on export (default)\n\t-N         don\'t name unnamed sections\n\t-p <path>  add a search path for config change files\n\t-P <path>  add a search path for config change files and use as default\n\t-t <path>  set save path for config change files\n\t-q         quiet mode (don\'t print error messages)\n\t-s         force strict mode (stop on parser errors, default)\n\t-S         disable strict mode\n\t-X         do not use extended syntax on \'show\'\n\n';

export interface UciCliDeps {
  store: UciStore;
  readFile(path: string): string | undefined;
}

type Cmd = 'get' | 'set' | 'add_list' | 'del_list' | 'delete' | 'rename' | 'revert' | 'reorder' | 'show' | 'changes' | 'export' | 'commit' | 'add' | 'import' | 'help';

interface Located {
  ptr: UciPtr;
  pkg: UciPackage;
  l: Lookup;
}

class UciCli {
  private quiet = false;
  private showExt = true;
  private exportName = false;
  private noCommit = false;
  private batchMode = false;
  private delimiter = ' ';
  private input: () => Promise<string>;

  constructor(
    private readonly deps: UciCliDeps,
    private readonly io: CommandIO,
  ) {
    this.input = io.stdin;
  }

  private perror(e: unknown): void {
    if (this.quiet) return;
    if (e instanceof UciError) this.io.err(`uci: ${UCI_ERRSTR[e.code]}${e.detail ?? ''}\n`);
    else this.io.err(`uci: ${UCI_ERRSTR.UNKNOWN}\n`);
  }

  private cliError(s: string): void {
    if (!this.quiet) this.io.err(s);
  }

  /** uci_lookup_ptr(ctx, &ptr, str, true) */
  private locate(tuple: string): Located {
    const ptr = parsePtr(tuple);
    const loaded = this.deps.store.load(ptr.package, 'cli');
    if (!loaded) throw new UciError('NOTFOUND');
    const l = lookup(loaded.pkg, ptr, true);
    return { ptr, pkg: loaded.pkg, l };
  }

  private save(pkg: string, rec: Delta[]): void {
    this.deps.store.append('cli', pkg, rec);
  }

  // ------------------------------------------------------------ show helpers (cli.c)

  private showValue(o: UciOption, quote: boolean): string {
    if (!Array.isArray(o.value)) return (quote ? quoteValue(o.value) : o.value) + '\n';
    return o.value.map((v) => (!/[ \t\r\n]/.test(v) && !quote ? v : quoteValue(v))).join(this.delimiter) + '\n';
  }

  private showOption(pkg: string, sref: string, o: UciOption): string {
    return `${pkg}.${sref}.${o.name}=${this.showValue(o, true)}`;
  }

  private showSection(pkg: string, s: UciSection, sref = s.name): string {
    return `${pkg}.${sref}=${s.type}\n` + s.options.map((o) => this.showOption(pkg, sref, o)).join('');
  }

  private showPackage(p: UciPackage): string {
    const idx = new Map<string, number>();
    let out = '';
    for (const s of p.sections) {
      let ref = s.name;
      if (this.showExt) {
        const n = idx.get(s.type) ?? 0;
        idx.set(s.type, n + 1);
        if (s.anonymous) ref = `@${s.type}[${n}]`;
      }
      out += this.showSection(p.name, s, ref);
    }
    return out;
  }

  // ------------------------------------------------------------ commands

  private packageCmd(cmd: Cmd, tuple: string): number {
    let loc: Located;
    try {
      loc = this.locate(tuple);
    } catch (e) {
      this.perror(e);
      return 1;
    }
    const { pkg, l, ptr } = loc;
    switch (cmd) {
      case 'changes':
        this.io.out(this.deps.store.changes('cli', pkg.name).map((d) => cliChangeLine(pkg.name, d)).join(''));
        break;
      case 'commit':
        if (this.noCommit) return 0;
        this.deps.store.commit('cli', pkg.name);
        break;
      case 'export':
        this.io.out(exportPackage(pkg, true, this.exportName));
        break;
      case 'show':
        if (!l.complete) {
          this.perror(new UciError('NOTFOUND'));
          return 1;
        }
        if (l.o) this.io.out(this.showOption(pkg.name, l.s!.name, l.o));
        else if (l.s) this.io.out(this.showSection(pkg.name, l.s));
        else if (ptr.section === undefined) this.io.out(this.showPackage(pkg));
        break;
      default:
        break;
    }
    return 0;
  }

  private packageCmdAll(cmd: Cmd, args: string[]): number {
    if (args.length > 2) return 255;
    if (args.length === 2) return this.packageCmd(cmd, args[1]!);
    for (const c of this.deps.store.configs()) this.packageCmd(cmd, c);
    return 0;
  }

  private add(args: string[]): number {
    if (args.length !== 3) return 255;
    const loaded = this.deps.store.load(args[1]!, 'cli');
    if (!loaded) {
      this.perror(new UciError('NOTFOUND'));
      return UCI_ERRNO.NOTFOUND;
    }
    const rec: Delta[] = [];
    const name = uciAddSection(loaded.pkg, args[2]!, rec);
    this.save(loaded.pkg.name, rec);
    this.io.out(`${name}\n`);
    return 0;
  }

  private sectionCmd(cmd: Cmd, args: string[]): number {
    if (args.length !== 2) return 255;
    let loc: Located;
    try {
      loc = this.locate(args[1]!);
    } catch (e) {
      this.perror(e);
      return 1;
    }
    const { ptr, pkg, l } = loc;
    if (ptr.value !== undefined && !['set', 'delete', 'add_list', 'del_list', 'rename', 'reorder'].includes(cmd)) return 1;
    const rec: Delta[] = [];
    const real: UciPtr = { ...ptr, section: l.section ?? ptr.section, extended: l.section ? undefined : ptr.extended };
    try {
      switch (cmd) {
        case 'get':
          if (!l.complete) throw new UciError('NOTFOUND');
          if (l.o) this.io.out(this.showValue(l.o, false));
          else if (l.s) this.io.out(`${l.s.type}\n`);
          return 0;
        case 'revert':
          this.deps.store.revert('cli', pkg.name, l.section ?? ptr.section, ptr.option);
          return 0;
        case 'rename':
          uciRename(pkg, real, rec);
          break;
        case 'set':
          uciSet(pkg, real, rec);
          break;
        case 'add_list':
          uciAddList(pkg, real, rec);
          break;
        case 'del_list':
          uciDelList(pkg, real, rec);
          break;
        case 'reorder':
          if (!l.s || ptr.value === undefined) throw new UciError('NOTFOUND');
          uciReorder(pkg, l.s, parseInt(ptr.value, 10) >>> 0 || 0, rec);
          break;
        case 'delete':
          if (ptr.value !== undefined && !/^\s*[+-]?\d/.test(ptr.value)) return 1;
          uciDelete(pkg, real, rec);
          break;
        default:
          break;
      }
    } catch (e) {
      this.perror(e);
      return 1;
    }
    this.save(pkg.name, rec);
    return 0;
  }

  private async importCmd(args: string[]): Promise<number> {
    if (args.length > 2) return 255;
    const text = await this.input();
    try {
      this.deps.store.importText(text, args[1]);
    } catch (e) {
      this.perror(e);
      return 1;
    }
    return 0;
  }

  private async batch(): Promise<number> {
    const text = await this.input();
    const sc = new UciScanner(text);
    this.batchMode = true;
    while (!sc.eof) {
      const args: string[] = [];
      let tooMany = false;
      try {
        for (let i = 0; i <= 4; i++) {
          if (i === 4) {
            tooMany = true;
            break;
          }
          const a = sc.nextArg();
          if (!a.value) break;
          args.push(a.value);
        }
      } catch (e) {
        this.perror(e);
        args.length = 0;
      }
      sc.skipLine();
      if (tooMany) {
        this.cliError('Too many arguments\n');
        continue;
      }
      if (args.length === 0) continue;
      if (args[0]!.toLowerCase() === 'exit') return 0;
      const ret = await this.cmd(args);
      if (ret === 255) this.cliError('Unknown command\n');
    }
    this.batchMode = false;
    return 0;
  }

  async cmd(args: string[]): Promise<number> {
    const name = args[0]!.toLowerCase();
    if (name === 'batch' && !this.batchMode) return this.batch();
    const map: Record<string, Cmd> = {
      show: 'show',
      changes: 'changes',
      export: 'export',
      commit: 'commit',
      get: 'get',
      set: 'set',
      ren: 'rename',
      rename: 'rename',
      revert: 'revert',
      reorder: 'reorder',
      del: 'delete',
      delete: 'delete',
      import: 'import',
      help: 'help',
      add: 'add',
      add_list: 'add_list',
      del_list: 'del_list',
    };
    const cmd = map[name];
    switch (cmd) {
      case 'add_list':
      case 'del_list':
      case 'get':
      case 'set':
      case 'delete':
      case 'rename':
      case 'revert':
      case 'reorder':
        return this.sectionCmd(cmd, args);
      case 'show':
      case 'export':
      case 'commit':
      case 'changes':
        return this.packageCmdAll(cmd, args);
      case 'import':
        return this.importCmd(args);
      case 'add':
        return this.add(args);
      case 'help':
        this.io.err(UCI_USAGE);
        return 0;
      default:
        return 255;
    }
  }

  /** main(): musl getopt("c:C:d:f:LmnNp:P:qsSt:X") stops at the first non-option. */
  async main(argv: string[]): Promise<number> {
    let i = 1;
    const withArg = new Set(['c', 'C', 'd', 'f', 'p', 'P', 't']);
    for (; i < argv.length; i++) {
      const a = argv[i]!;
      if (a === '--') {
        i++;
        break;
      }
      if (!a.startsWith('-') || a === '-') break;
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        if (!'cCdfLmnNpPqsStX'.includes(c)) {
          this.io.err(`uci: unrecognized option: ${c}\n`);
          this.io.err(UCI_USAGE);
          return 0;
        }
        let optarg: string | undefined;
        if (withArg.has(c)) {
          if (j + 1 < a.length) optarg = a.slice(j + 1);
          else if (i + 1 < argv.length) optarg = argv[++i];
          else {
            this.io.err(`uci: option requires an argument: ${c}\n`);
            this.io.err(UCI_USAGE);
            return 0;
          }
          j = a.length;
        }
        switch (c) {
          case 'd':
            this.delimiter = optarg!;
            break;
          case 'f': {
            const data = this.deps.readFile(optarg!);
            if (data === undefined) {
              this.cliError('uci: No such file or directory');
              return 1;
            }
            this.input = async () => data;
            break;
          }
          case 'L':
            this.io.err(UCI_USAGE); // listed in getopt but not handled by cli.c: falls to default
            return 0;
          case 'n':
            this.exportName = true;
            break;
          case 'N':
            this.exportName = false;
            break;
          case 'P':
            this.noCommit = true;
            break;
          case 'q':
            this.quiet = true;
            break;
          case 'X':
            this.showExt = false;
            break;
          default:
            break; // c, C, p, t, m, s, S: accepted, no effect on this emulator
        }
      }
    }
    const rest = argv.slice(i);
    if (rest.length < 1) {
      this.io.err(UCI_USAGE);
      return 0;
    }
    const ret = await this.cmd(rest);
    if (ret === 255) this.io.err(UCI_USAGE);
    return ret;
  }
}

export function uciCommand(deps: UciCliDeps): (argv: string[], io: CommandIO) => Promise<number> {
  return (argv, io) => new UciCli(deps, io).main(argv);
}
