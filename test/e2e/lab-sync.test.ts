// The customer's story, scripted only through the CLI and the lab ISP's control URL:
// cabinet change -> auth failure seen -> wrong password rolled back byte-for-byte -> right one works.
import { expect } from 'chai';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { changeIspPassword, eventually, makeSandbox, startLabProcess, type LabProcess, type Sandbox } from './cli-helpers.js';

const ADMIN_PASSWORD = 'Adm1n "lab" $pw;';
const NEW_WAN_PASSWORD = "Nov'26 \"пароль\" $x;\\ end";
const WRONG_WAN_PASSWORD = 'not-the-cabinet-one';

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

const CASES = [
  { name: 'openwrt over HTTP (ubus)', router: 0, flags: ['--transport', 'http'] },
  { name: 'openwrt over SSH (uci)', router: 0, flags: ['--transport', 'ssh'] },
  { name: 'keenetic (RCI)', router: 1, flags: ['--driver', 'keenetic'] },
];

for (const c of CASES) {
  describe(`e2e: password sync through the CLI on the lab, ${c.name}`, function () {
    this.timeout(90_000);
    let sandbox: Sandbox;
    let lab: LabProcess;
    let env: NodeJS.ProcessEnv;
    let config: string[];
    let routerFlags: string[];

    before(async () => {
      sandbox = await makeSandbox();
      const pwFile = path.join(sandbox.dir, 'admin-pw');
      await writeFile(pwFile, `${ADMIN_PASSWORD}\n`, { mode: 0o600 });
      lab = await startLabProcess(sandbox, ['--speed', 'fast', '--admin-password-file', pwFile]);
      env = { ROUTERCTL_PASSWORD: ADMIN_PASSWORD };
      config = ['--config', lab.info.configPath];
      routerFlags = [...config, ...c.flags];
    });

    after(async () => {
      await lab?.stop();
      await sandbox?.cleanup();
    });

    it('lab --json names the routers, the ISP control URL and a config path', () => {
      expect(lab.info.routers.map((r) => [r.family, r.address])).to.deep.equal([
        ['openwrt', '127.0.1.1'],
        ['keenetic', '127.0.10.1'],
      ]);
      expect(lab.info.routers[c.router]!.wanAccount.username).to.be.a('string');
      expect(lab.info.ispControlUrl).to.match(/^http:\/\/127\./);
    });

    it('discover finds the gateway router first and tells the families apart, without --host', async () => {
      const r = await sandbox.run([...config, 'discover', '--json']);
      expect(r.code, r.stderr).to.equal(0);
      const routers = r.json!['routers'] as Record<string, unknown>[];
      expect(routers[0]).to.include({ address: '127.0.1.1', family: 'openwrt', isGateway: true });
      expect(routers[1]).to.include({ address: '127.0.10.1', family: 'keenetic', isGateway: false });
    });

    it('goes from auth_failed after the cabinet change, through a rolled-back wrong password, to up', async () => {
      const show = (): Promise<Record<string, unknown> | undefined> =>
        sandbox.run([...routerFlags, 'wan', 'show', '--json'], { env }).then((r) => (r.code === 0 ? (r.json!['status'] as Record<string, unknown>) : undefined));
      await eventually('WAN up at start', async () => ((await show())?.['state'] === 'up' ? true : undefined));

      await changeIspPassword(lab.info.ispControlUrl, lab.info.routers[c.router]!.wanAccount.username, NEW_WAN_PASSWORD);
      const failed = await eventually('auth failure', async () => {
        const s = await show();
        return s?.['reason'] === 'auth_failed' ? s : undefined;
      });
      expect(failed).to.include({ state: 'down', reason: 'auth_failed' });

      const before = path.join(sandbox.dir, 'before.json');
      expect((await sandbox.run([...routerFlags, 'backup', '--out', before], { env })).code).to.equal(0);
      expect((await stat(before)).mode & 0o777).to.equal(0o600);

      const wrong = await sandbox.run([...routerFlags, 'wan', 'set-password', '--new-password-stdin', '--json'], { env, stdin: `${WRONG_WAN_PASSWORD}\n` });
      expect(wrong.code, wrong.stdout + wrong.stderr).to.equal(10);
      expect(wrong.json).to.include({ ok: false, code: 'rolled_back' });
      const after = path.join(sandbox.dir, 'after.json');
      expect((await sandbox.run([...routerFlags, 'backup', '--out', after], { env })).code).to.equal(0);
      expect(await readFile(after, 'utf8')).to.equal(await readFile(before, 'utf8'));

      const right = await sandbox.run([...routerFlags, 'wan', 'set-password', '--new-password-stdin', '--json'], { env, stdin: `${NEW_WAN_PASSWORD}\n` });
      expect(right.code, right.stdout + right.stderr).to.equal(0);
      expect(right.json).to.include({ ok: true, outcome: 'applied' });
      expect(right.json!['status']).to.include({ state: 'up' });
      expect(right.json!['internet']).to.include({ ok: true });
      expect((await show())?.['state']).to.equal('up');

      // restore puts the backup back, byte for byte, and says so; a second restore has nothing to do.
      const restored = await sandbox.run([...routerFlags, 'restore', before, '--json'], { env });
      expect(restored.code, restored.stdout + restored.stderr).to.equal(0);
      expect(restored.json).to.include({ restored: true });
      const again = path.join(sandbox.dir, 'again.json');
      expect((await sandbox.run([...routerFlags, 'backup', '--out', again], { env })).code).to.equal(0);
      expect(await readFile(again, 'utf8')).to.equal(await readFile(before, 'utf8'));
      expect((await sandbox.run([...routerFlags, 'restore', before, '--json'], { env })).json).to.include({ restored: false, identical: true });
    });

    it('refuses a malformed config file with the file, key and line', async () => {
      const bad = path.join(sandbox.dir, 'bad.yaml');
      await writeFile(bad, 'discovery:\n  probeTimeoutMs: fast\n');
      const r = await sandbox.run(['--config', bad, 'discover', '--json']);
      expect(r.code).to.equal(3);
      expect(r.json!['message']).to.match(/bad\.yaml:2:\d+ discovery\.probeTimeoutMs/);
    });

    it('a wrong admin password is one attempt, reported as auth_failed', async () => {
      const r = await sandbox.run([...routerFlags, 'wan', 'show', '--json'], { env: { ROUTERCTL_PASSWORD: 'wrong-admin' } });
      expect(r.code).to.equal(4);
      expect(r.json).to.include({ code: 'auth_failed' });
      const ledger = JSON.parse(await readFile(path.join(sandbox.dir, 'state', 'routerctl', 'login-attempts.json'), 'utf8')) as Record<string, number[]>;
      expect(ledger[lab.info.routers[c.router]!.address]).to.have.length(1);
    });

    it('no password appears in any output, log or state file', async () => {
      const secrets = [ADMIN_PASSWORD, NEW_WAN_PASSWORD, WRONG_WAN_PASSWORD, 'wrong-admin'];
      const files = (await filesUnder(path.join(sandbox.dir, 'state'))).filter((f) => !f.includes(`${path.sep}backups${path.sep}`) && !f.endsWith('before.json'));
      const texts = [...sandbox.transcript, ...(await Promise.all(files.map((f) => readFile(f, 'utf8'))))];
      expect(files.some((f) => f.endsWith('routerctl.log'))).to.equal(true);
      for (const secret of secrets) {
        for (const text of texts) expect(text.includes(secret), `a secret leaked`).to.equal(false);
      }
    });
  });
}
