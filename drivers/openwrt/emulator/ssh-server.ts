// Why: dropbear stand-in: ssh2 server with a fresh ed25519 host key per start, password auth for root only,
// `exec` through the emulator's shell (stdin of the channel = the command's stdin), and a plain line shell.
import ssh2 from 'ssh2';
import type { Connection, ServerChannel } from 'ssh2';

export interface ShellRunner {
  run(command: string, io: { stdin(): Promise<string>; out(s: string): void; err(s: string): void }): Promise<number>;
  hostname(): string;
}

export interface SshServerHandle {
  port: number;
  close(): Promise<void>;
}

export interface SshServerOptions {
  host: string;
  port: number;
  rootPassword(): string;
  shell(): ShellRunner;
}

function channelStdin(ch: ServerChannel): () => Promise<string> {
  const chunks: Buffer[] = [];
  let ended = false;
  const waiters: (() => void)[] = [];
  ch.on('data', (d: Buffer) => chunks.push(d));
  const finish = (): void => {
    ended = true;
    for (const w of waiters.splice(0)) w();
  };
  ch.on('end', finish);
  ch.on('close', finish);
  return async () => {
    if (!ended) await new Promise<void>((r) => waiters.push(r));
    return Buffer.concat(chunks).toString('utf8');
  };
}

async function runExec(ch: ServerChannel, command: string, shell: ShellRunner): Promise<void> {
  const stdin = channelStdin(ch);
  let code = 1;
  try {
    code = await shell.run(command, {
      stdin,
      out: (s) => void ch.write(s),
      err: (s) => void ch.stderr.write(s),
    });
  } catch (e) {
    ch.stderr.write(`ash: internal error: ${(e as Error).message}\n`);
  }
  try {
    ch.exit(code);
    ch.end();
  } catch {
    /* client already gone */
  }
}

/** A line-oriented interactive shell for humans poking at the lab (`ssh root@127.0.1.1`). */
function runInteractive(ch: ServerChannel, shell: ShellRunner, pty: boolean): void {
  const nl = (s: string): string => (pty ? s.replace(/\r?\n/g, '\r\n') : s);
  const prompt = (): void => void ch.write(`root@${shell.hostname()}:~# `);
  ch.write(nl('\n\nBusyBox v1.37.0 built-in shell (ash)\n\n  OpenWrt 25.12.0-rc1, r32353-9e9b05130c (emulated)\n\n'));
  prompt();
  let line = '';
  let busy = false;
  const queue: string[] = [];
  const runLine = async (cmd: string): Promise<void> => {
    busy = true;
    if (cmd.trim() === 'exit' || cmd.trim() === 'logout') {
      ch.exit(0);
      ch.end();
      return;
    }
    await shell.run(cmd, { stdin: async () => '', out: (s) => void ch.write(nl(s)), err: (s) => void ch.stderr.write(nl(s)) });
    busy = false;
    prompt();
    const next = queue.shift();
    if (next !== undefined) void runLine(next);
  };
  ch.on('data', (d: Buffer) => {
    for (const c of d.toString('utf8')) {
      if (c === '\r' || c === '\n') {
        if (pty) ch.write('\r\n');
        const cmd = line;
        line = '';
        if (busy) queue.push(cmd);
        else void runLine(cmd);
      } else if (c === '\x7f' || c === '\b') {
        if (line.length) {
          line = line.slice(0, -1);
          if (pty) ch.write('\b \b');
        }
      } else if (c === '\x03') {
        line = '';
        if (pty) ch.write('^C\r\n');
        prompt();
      } else if (c === '\x04') {
        if (!line) {
          ch.exit(0);
          ch.end();
        }
      } else if (c >= ' ' || c === '\t') {
        line += c;
        if (pty) ch.write(c);
      }
    }
  });
}

/** ssh2 1.17 cannot parse back about 1 in 150 of the ed25519 keys it generates: keep one it can read. */
function hostKey(): { private: string } {
  for (let i = 0; i < 20; i++) {
    const key = ssh2.utils.generateKeyPairSync('ed25519');
    if (!(ssh2.utils.parseKey(key.private) instanceof Error)) return key;
  }
  throw new Error('could not generate a usable SSH host key');
}

export async function startSshServer(o: SshServerOptions): Promise<SshServerHandle> {
  const key = hostKey();
  const clients = new Set<Connection>();
  const server = new ssh2.Server({ hostKeys: [key.private], ident: 'dropbear_2022.82' }, (client: Connection) => {
    clients.add(client);
    // small interactive writes: do not wait for delayed ACKs (setNoDelay exists at runtime, not in @types/ssh2)
    (client as unknown as { setNoDelay(v: boolean): void }).setNoDelay(true);
    client.on('close', () => clients.delete(client));
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      const pw = o.rootPassword();
      if (ctx.username === 'root' && ctx.method === 'password' && ctx.password === pw) return ctx.accept();
      if (ctx.username === 'root' && ctx.method === 'none' && pw === '') return ctx.accept();
      return ctx.reject(['password']);
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        let pty = false;
        session.on('pty', (acc) => {
          pty = true;
          acc?.();
        });
        session.on('env', (acc) => acc?.());
        session.on('window-change', (acc) => acc?.());
        session.on('exec', (acc, _rej, info) => {
          const ch = acc();
          void runExec(ch, info.command, o.shell());
        });
        session.on('shell', (acc) => {
          const ch = acc();
          runInteractive(ch, o.shell(), pty);
        });
        session.on('subsystem', (_acc, rej) => rej());
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  return {
    port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const c of clients) {
        const sock = (c as unknown as { _sock?: { destroy(): void } })._sock;
        try {
          c.end();
        } catch {
          /* ignore */
        }
        sock?.destroy();
      }
      clients.clear();
      await closed;
    },
  };
}
