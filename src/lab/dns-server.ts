// The ISP's resolver in the lab: real DNS over UDP on loopback (dns-packet for the wire format), so
// probes and later diagnostics resolve names exactly as they would against a real ISP resolver.
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';

export interface LabDnsServer {
  host: string;
  port: number;
  /** When false the server swallows queries (a dead resolver). */
  setAnswering(on: boolean): void;
  close(): Promise<void>;
}

export async function startDnsServer(host: string, records: Record<string, string>, port = 0): Promise<LabDnsServer> {
  const socket = dgram.createSocket('udp4');
  let answering = true;
  const table = new Map(Object.entries(records).map(([name, address]) => [name.toLowerCase(), address]));
  socket.on('message', (message, rinfo) => {
    if (!answering) return;
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return; // not DNS: a real resolver drops it too
    }
    const question = query.questions?.[0];
    if (!question) return;
    const address = table.get(question.name.toLowerCase());
    const answers: dnsPacket.Answer[] =
      address && question.type === 'A' ? [{ type: 'A', name: question.name, ttl: 300, class: 'IN', data: address }] : [];
    const response = dnsPacket.encode({
      type: 'response',
      id: query.id ?? 0,
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (address ? 0 : 3), // rcode 3 = NXDOMAIN
      questions: [question],
      answers,
    });
    socket.send(response, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => resolve());
  });
  return {
    host,
    port: socket.address().port,
    setAnswering(on) {
      answering = on;
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
