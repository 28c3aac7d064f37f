// The lab's resolvers: real DNS over UDP on loopback (dns-packet for the wire format), so probes and
// diagnostics resolve names exactly as they would against a real resolver. One server type plays the
// ISP's resolver, the public ones and each router's DNS proxy; a `mode` callback turns it into a dead
// (silent), refusing or failing resolver at run time, and `delayMs` makes it slow.
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';

export type DnsMode = 'answer' | 'drop' | 'refused' | 'servfail';

export interface DnsServerOptions {
  /** Asked per query. Default: answer. */
  mode?: (() => DnsMode) | undefined;
  /** Extra delay before each answer (ms). */
  delayMs?: (() => number) | undefined;
}

export interface LabDnsServer {
  host: string;
  port: number;
  /** When false the server swallows queries (a dead resolver). */
  setAnswering(on: boolean): void;
  close(): Promise<void>;
}

const RCODE: Record<Exclude<DnsMode, 'answer' | 'drop'>, number> = { servfail: 2, refused: 5 };

/** `records` maps names to IPv4 addresses; "*.zone" answers every name under zone. */
export function lookupRecord(records: ReadonlyMap<string, string>, name: string): string | undefined {
  const n = name.toLowerCase().replace(/\.$/, '');
  const exact = records.get(n);
  if (exact) return exact;
  for (let i = n.indexOf('.'); i >= 0; i = n.indexOf('.', i + 1)) {
    const wild = records.get(`*${n.slice(i)}`);
    if (wild) return wild;
  }
  return undefined;
}

export async function startDnsServer(host: string, records: Record<string, string>, port = 0, opts: DnsServerOptions = {}): Promise<LabDnsServer> {
  const socket = dgram.createSocket('udp4');
  let answering = true;
  const timers = new Set<NodeJS.Timeout>();
  const table = new Map(Object.entries(records).map(([name, address]) => [name.toLowerCase(), address]));
  socket.on('message', (message, rinfo) => {
    const mode = answering ? (opts.mode?.() ?? 'answer') : 'drop';
    if (mode === 'drop') return;
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return; // not DNS: a real resolver drops it too
    }
    const question = query.questions?.[0];
    if (!question) return;
    const address = mode === 'answer' ? lookupRecord(table, question.name) : undefined;
    const answers: dnsPacket.Answer[] =
      address && question.type === 'A' ? [{ type: 'A', name: question.name, ttl: 300, class: 'IN', data: address }] : [];
    const rcode = mode === 'answer' ? (address ? 0 : 3) : RCODE[mode]; // 3 = NXDOMAIN
    const response = dnsPacket.encode({
      type: 'response',
      id: query.id ?? 0,
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | rcode,
      questions: [question],
      answers,
    });
    const send = (): void => {
      socket.send(response, rinfo.port, rinfo.address, () => undefined);
    };
    const delay = opts.delayMs?.() ?? 0;
    if (delay <= 0) return send();
    const timer = setTimeout(() => {
      timers.delete(timer);
      send();
    }, delay);
    timers.add(timer);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.on('error', () => undefined);
  return {
    host,
    port: socket.address().port,
    setAnswering(on) {
      answering = on;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        socket.close(() => resolve());
      }),
  };
}
