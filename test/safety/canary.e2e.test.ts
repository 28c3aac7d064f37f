// Secret hygiene: every CLI command of the suite (lab, discover, wan show / set-password / sync-password,
// backup, restore, trust, diagnose, watch, history, report) runs with canary secrets (admin password, wrong
// admin password, new, wrong and current WAN passwords) against the lab, with debug logging on some
// runs; then stdout, stderr, the log, the history and every state and config file are scanned for
// any spelling of any canary. Files holding secrets by design (saved credentials, backups) are checked
// for their modes instead: 0600, in 0700 folders.
import { expect } from 'chai';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { secretForms } from '../../src/log/redact.js';
import { changeIspPassword, makeSandbox, startLabProcess, type CliRun, type LabProcess, type Sandbox } from './support/cli.js';

const CANARY = {
  admin: 'CANARY-admin-Q7 "x" $y',
  wrongAdmin: 'CANARY-wrongadmin-Z3',
  wanNew: "CANARY-wan-new-K9 'q' ж",
  wanWrong: 'CANARY-wan-wrong-M2',
};
/** The lab routers' WAN passwords before the change (src/lab/lab.ts): read from the router during a sync. */
const ROUTER_SECRETS = ['Spring-2026', 'Winter-2026'];

async function walk(dir: string): Promise<{ files: string[]; dirs: string[] }> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return {
    files: entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)),
    dirs: [dir, ...entries.filter((e) => e.isDirectory()).map((e) => path.join(e.parentPath, e.name))],
  };
}

describe('safety: canary secrets never show up in output, logs, history or state files', function () {
  this.timeout(80_000);
  let sandbox: Sandbox;
  let lab: LabProcess;
  const lines: string[] = [];

  before(async () => {
    sandbox = await makeSandbox();
    const pw = path.join(sandbox.dir, 'admin-pw');
    await writeFile(pw, `${CANARY.admin}\n`, { mode: 0o600 });
    lab = await startLabProcess(sandbox, ['--speed', 'fast', '--admin-password-file', pw]);
    lab.child.stderr!.on('data', (c: Buffer) => lines.push(c.toString()));
  });
  after(async () => {
    await lab?.stop();
    await sandbox?.cleanup();
  });

  it('runs every command with canaries, then finds none of them anywhere; secret files are 0600 in 0700 folders', async () => {
    const cfg = ['--config', lab.info.configPath];
    const owrt = [...cfg, '--host', '127.0.1.1', '--driver', 'openwrt'];
    const kn = [...cfg, '--host', '127.0.10.1', '--driver', 'keenetic'];
    const admin = { ROUTERCTL_PASSWORD: CANARY.admin };
    const adminFile = path.join(sandbox.dir, 'admin-pw');
    const wrongFile = path.join(sandbox.dir, 'wan-wrong');
    await writeFile(wrongFile, `${CANARY.wanWrong}\n`, { mode: 0o600 });
    const backupOut = path.join(sandbox.dir, 'before.json');
    const reportOut = path.join(sandbox.dir, 'report.html');
    const sshPort = lab.info.routers[0]!.sshPort!;
    const runs: [string, CliRun, number | number[]][] = [];
    const run = async (name: string, args: string[], expected: number | number[], opts: Parameters<Sandbox['run']>[1] = {}): Promise<CliRun> => {
      const r = await sandbox.run(args, opts);
      runs.push([name, r, expected]);
      return r;
    };

    await run('discover', [...cfg, 'discover', '--json'], 0);
    await run('wan show -v (discovery)', [...cfg, 'wan', 'show', '-v'], 0, { env: admin });
    await run('wan show --json keenetic', [...kn, 'wan', 'show', '--json'], 0, { env: admin });
    await run('wan show --password-file --save', [...owrt, 'wan', 'show', '--json', '--password-file', adminFile, '--save'], 0);
    await run('backup --out', [...owrt, 'backup', '--out', backupOut, '-v'], 0, { env: admin });
    await run('wan show, wrong admin password', [...owrt, 'wan', 'show', '--json'], 4, { env: { ROUTERCTL_PASSWORD: CANARY.wrongAdmin } });
    await changeIspPassword(lab.info.ispControlUrl, lab.info.routers[0]!.wanAccount.username, CANARY.wanNew);
    await run('wan set-password --dry-run (env)', [...owrt, 'wan', 'set-password', '--dry-run', '-v'], 0, { env: { ...admin, ROUTERCTL_NEW_PASSWORD: CANARY.wanWrong } });
    await run('sync-password --new-password-file (rejected)', [...owrt, 'sync-password', '--new-password-file', wrongFile, '--json', '-v'], 10, { env: admin });
    await run('wan set-password --new-password-stdin (saved creds, --save)', [...owrt, 'wan', 'set-password', '--new-password-stdin', '-v', '--save'], 0, { stdin: `${CANARY.wanNew}\n` });
    await run('wan show over SSH', [...owrt, '--transport', 'ssh', 'wan', 'show', '-v'], 0, { env: admin });
    await run('restore', [...owrt, 'restore', backupOut, '--json', '-v'], 0, { env: admin });
    await run('trust (SSH key)', [...cfg, 'trust', '--host', '127.0.1.1', '--ssh-port', String(sshPort), '--https-port', '1', '--json'], 0);
    await changeIspPassword(lab.info.ispControlUrl, lab.info.routers[1]!.wanAccount.username, CANARY.wanNew);
    await run('keenetic wan set-password', [...kn, 'wan', 'set-password', '--new-password-stdin', '--json', '-v'], 0, { env: admin, stdin: `${CANARY.wanNew}\n` });
    await run('wan set-password, no password anywhere', [...owrt, 'wan', 'set-password', '--json'], 2, { env: admin });
    await run('diagnose -v', [...cfg, 'diagnose', '--json', '-v'], [0, 1, 2], { env: admin });
    await run('diagnose, password changed, wrong admin', [...owrt, 'diagnose', '--password-changed'], [0, 1, 2, 3], { env: { ROUTERCTL_PASSWORD: CANARY.wrongAdmin, ROUTERCTL_NEW_PASSWORD: CANARY.wanNew } });
    await run('watch --once', [...cfg, 'watch', '--once', '--json', '-v'], [0, 1, 2], { env: admin });
    await run('history', [...cfg, 'history', '--json'], 0);
    await run('report', [...cfg, 'report', '--out', reportOut, '--json'], 0, { env: admin });

    for (const [name, r, expected] of runs) expect([expected].flat(), `${name}: ${r.stdout}${r.stderr}`).to.include(r.code);

    // Everything the runs printed, the lab's log lines, and every state/config file that is not a
    // designated secret store.
    const home = sandbox.dir;
    const stateDir = path.join(home, 'state', 'routerctl');
    const configDir = path.join(home, 'config', 'routerctl');
    const state = await walk(stateDir);
    const config = await walk(configDir);
    const designated = (f: string): boolean => f === path.join(configDir, 'credentials.json') || f.startsWith(path.join(stateDir, 'backups') + path.sep);
    const scanned = [...state.files, ...config.files].filter((f) => !designated(f));
    expect(scanned.some((f) => f.endsWith('routerctl.log'))).to.equal(true);
    expect(scanned.some((f) => f.endsWith('login-attempts.json'))).to.equal(true);
    expect(scanned.some((f) => f.endsWith('trusted-routers.json'))).to.equal(true);
    const texts: [string, string][] = [
      ...sandbox.transcript.map((t, i): [string, string] => [`output #${i}`, t]),
      ['lab stderr', lines.join('')],
      ['report.html', await readFile(reportOut, 'utf8')],
      ...(await Promise.all(scanned.map(async (f): Promise<[string, string]> => [path.relative(home, f), await readFile(f, 'utf8')]))),
    ];
    const forms = [...Object.values(CANARY), ...ROUTER_SECRETS].flatMap((s) => secretForms(s).map((form) => [s, form] as const));
    const found: string[] = [];
    for (const [where, text] of texts) for (const [secret, form] of forms) if (text.includes(form)) found.push(`${where}: ${secret.slice(0, 14)}… as ${JSON.stringify(form).slice(0, 30)}`);
    expect(found, found.join('\n')).to.deep.equal([]);

    // The designated stores hold secrets by design: private files in private folders.
    const creds = path.join(configDir, 'credentials.json');
    expect(await readFile(creds, 'utf8')).to.include(JSON.stringify(CANARY.admin).slice(1, -1));
    const backups = state.files.filter((f) => f.startsWith(path.join(stateDir, 'backups')));
    expect(backups.length).to.be.greaterThan(0);
    for (const f of [...state.files, ...config.files, backupOut]) expect((await stat(f)).mode & 0o777, f).to.equal(0o600);
    for (const d of [...state.dirs, ...config.dirs]) expect((await stat(d)).mode & 0o777, d).to.equal(0o700);
  });
});
