// Why: `logread` on a real router is how one tells an ISP rejection from other PPP failures (openwrt.md §5.2,
// fixtures/openwrt/logread-pppoe-pap-auth-failed.txt); this keeps a bounded ring of lines in that format.

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Thu Jun  1 23:56:45 2023" (ctime style, UTC). */
export function ctime(d: Date): string {
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

export class Syslog {
  private readonly lines: string[] = [];

  constructor(
    private readonly bootTime: number,
    private readonly max = 1000,
  ) {}

  /** e.g. log('daemon.info', 'pppd[10446]', 'PPP session is 50725'). */
  log(facility: string, prog: string, message: string): void {
    this.lines.push(`${ctime(new Date())} ${facility} ${prog}: ${message}`);
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
  }

  /** Kernel line with the "[  197.194786]" uptime stamp. */
  kernel(message: string): void {
    const up = (Date.now() - this.bootTime) / 1000;
    const stamp = `[${up.toFixed(6).padStart(12, ' ')}]`;
    this.log('kern.info', 'kernel', `${stamp} ${message}`);
  }

  all(): string[] {
    return [...this.lines];
  }
}
