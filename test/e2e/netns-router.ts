// Runs inside the test's own "router" network namespace: an emulated OpenWrt on 192.168.10.1:80/22.
// Started only by netns-discovery.test.ts through `ip netns exec`; never in the machine's namespace.
import { startOpenWrtEmulator } from '../../drivers/openwrt/emulator/index.js';

const [host = '192.168.10.1'] = process.argv.slice(2);
const emulator = await startOpenWrtEmulator({
  host,
  httpPort: 80,
  sshPort: 22,
  rootPassword: 'netns-only',
  wan: { proto: 'pppoe', username: 'user', password: 'pw' },
});
process.stdout.write('ready\n');
const stop = (): void => void emulator.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
