// `routerctl discover`: which routers answer here, and what they are.
import type { Argv } from 'yargs';
import { discoverRouters } from '../../core/router.js';
import { splitCandidateList } from '../../discovery/candidates.js';
import type { DiscoveredRouter } from '../../discovery/discover.js';
import type { App } from '../app.js';

export interface DiscoverArgs {
  candidates?: string | undefined;
}

export function discoverOptions<T>(y: Argv<T>): Argv<T & DiscoverArgs> {
  return y.option('candidates', {
    type: 'string',
    describe: 'comma-separated HOST[:PORT] list that replaces the default candidates and the OS gateway',
  }) as unknown as Argv<T & DiscoverArgs>;
}

export function describeRouter(r: DiscoveredRouter): Record<string, unknown> {
  return {
    address: r.target.host,
    httpPort: r.target.httpPort,
    isGateway: r.isGateway,
    reachable: r.reachable,
    services: (['http', 'https', 'ssh'] as const).filter((k) => r.services[k]),
    family: r.fingerprint?.family ?? null,
    model: r.fingerprint?.model ?? null,
    firmware: r.fingerprint?.firmware ?? null,
    confidence: r.fingerprint?.confidence ?? 0,
  };
}

export async function runDiscover(app: App, args: DiscoverArgs): Promise<Record<string, unknown>> {
  const started = Date.now();
  const flag = args.candidates !== undefined ? splitCandidateList(args.candidates) : undefined;
  const routers = (await discoverRouters(app.config, flag, app.logger)).map(describeRouter);
  const seconds = (Date.now() - started) / 1000;
  const p = app.printer;
  const known = routers.filter((r) => r['family']);
  if (known.length === 0) p.line(p.bad('No known router found.'));
  for (const r of routers) {
    if (!r['reachable']) {
      p.line(`  ${String(r['address'])}${r['isGateway'] ? ' (gateway)' : ''}: no answer`);
      continue;
    }
    const what = r['family']
      ? `${String(r['family'])}${r['model'] ? ` ${String(r['model'])}` : ''}${r['firmware'] ? `, firmware ${String(r['firmware'])}` : ''} (confidence ${Math.round(Number(r['confidence']) * 100)}%)`
      : 'unknown device';
    p.line(`  ${p.heading(String(r['address']))}${r['isGateway'] ? ' (gateway)' : ''}: ${what}; answers on ${(r['services'] as string[]).join(', ')}`);
  }
  return { routers, seconds };
}
