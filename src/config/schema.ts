// The whole configuration as one zod schema: the TS type and the runtime check come from the same
// definition. Every object is strict, so a misspelt key is an error instead of a silently ignored
// setting. Every key is required here because config/default.yaml supplies all of them; other files
// only override. Adding a key means adding it to default.yaml *and* here.
import { z } from 'zod';
import { isValidHost, parseHostPort } from '../discovery/candidates.js';

const port = z.number().int().min(1).max(65535);
const positiveInt = z.number().int().min(1);

const host = z.string().refine(isValidHost, { message: 'expected an IP address or host name' });

const candidateString = z.string().superRefine((value, ctx) => {
  const r = parseHostPort(value);
  if (!r.ok) ctx.addIssue({ code: 'custom', message: `expected HOST or HOST:PORT (${r.error})`, input: value });
});

const candidateObject = z.strictObject({
  host,
  http: port.optional(),
  /** `false` turns the HTTPS probe off for this candidate. */
  https: z.union([port, z.literal(false)]).optional(),
  ssh: z.union([port, z.literal(false)]).optional(),
});

export const candidateSchema = z.union([candidateString, candidateObject]);

// `{gateway}` is a placeholder, so these are not URLs yet: check only the scheme.
const probeUrl = z.string().regex(/^https?:\/\/\S+$/, { message: 'expected an http:// or https:// URL' });

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;

// ---------------------------------------------------------------------------------------------
// diagnostics (`routerctl diagnose`): every probe endpoint lives here, never in code.

const nonNegativeInt = z.number().int().min(0);
const resolverAddress = z.string().min(1).superRefine((value, ctx) => {
  const r = parseHostPort(value);
  if (!r.ok) ctx.addIssue({ code: 'custom', message: `expected IP or IP:PORT (${r.error})`, input: value });
});
const namedUrl = z.strictObject({ name: z.string().min(1).max(40), url: probeUrl });
const httpProbe = z.strictObject({
  name: z.string().min(1).max(40),
  url: probeUrl,
  /** 204: a generate_204 endpoint; otherwise the exact body text (a text probe like connecttest.txt). */
  expect: z.union([z.literal(204), z.string().min(1)]),
});
const ipAnchor = z.strictObject({ name: z.string().min(1).max(40), host, port });
const resolverEntry = z.strictObject({ name: z.string().min(1).max(40), address: resolverAddress });

export const diagnosticsSchema = z.strictObject({
  /** The whole run (without the throughput test) ends within this bound, whatever the probes do. */
  budgetMs: positiveInt.max(300_000),
  /** Upper bound of each phase; their sum should stay below budgetMs. */
  phaseMs: z.strictObject({ host: positiveInt, lan: positiveInt, router: positiveInt, internet: positiveInt }),
  /** ISP profile name (config/isp/NAME.yaml) used when the router's WAN does not pick one by itself. */
  isp: z.string().min(1).nullable(),
  /** en, ru or uk; null = from the OS locale (LC_ALL, LC_MESSAGES, LANG). */
  lang: z.enum(['en', 'ru', 'uk']).nullable(),
  host: z.strictObject({
    /** Count a loopback address as this device's network link (the lab on 127.0.0.0/8 only). */
    acceptLoopback: z.boolean(),
    /** Resolvers ("IP" or "IP:PORT") used instead of the OS ones; null = the OS resolver. */
    resolvers: z.array(resolverAddress).nullable(),
  }),
  ping: z.strictObject({
    /** auto: ICMP with the system `ping` when it works, else TCP connect; the method is named on every figure. */
    mode: z.enum(['auto', 'icmp', 'tcp']),
    gatewayCount: positiveInt.max(50),
    gatewayIntervalMs: positiveInt.max(5000),
    timeoutMs: positiveInt.max(30_000),
    /** Echo requests per target when the router pings (C12); each takes about a second on the router. */
    routerCount: positiveInt.max(10),
  }),
  dns: z.strictObject({
    /** Port of every resolver asked directly (53; the lab runs all its resolvers on one other port). */
    port,
    timeoutMs: positiveInt.max(30_000),
    tries: positiveInt.max(5),
    /** Names made of `{random}` + this template defeat caches; the zone answers or says NXDOMAIN. */
    randomTemplate: z.string().regex(/\{random\}/, { message: 'must contain {random}' }),
    randomCount: positiveInt.max(10),
    /** A name every working resolver can answer: asked of each resolver directly. */
    knownName: z.string().min(1),
    publicResolvers: z.array(resolverEntry),
  }),
  probes: z.strictObject({
    timeoutMs: positiveInt.max(60_000),
    /** Plain HTTP, redirects never followed: generate_204 and text probes of different operators. */
    http: z.array(httpProbe),
    /** TLS + GET, timed per phase (resolve, connect, tls, first byte). */
    https: z.array(namedUrl),
    /** Internet reachability without DNS: TCP connect to IP literals of different operators. */
    ipAnchors: z.array(ipAnchor),
    /** A >= 64 KiB object over HTTP(S) for the MTU black-hole check; null = that part is skipped. */
    largeUrl: probeUrl.nullable(),
    /** A big object for `diagnose --throughput`; null = no throughput test. */
    throughputUrl: probeUrl.nullable(),
    /** Extra CA certificate (PEM) trusted by the HTTPS probes, on top of the system ones (the lab's). */
    caFile: z.string().min(1).nullable(),
  }),
  quality: z.strictObject({ count: positiveInt.max(100), intervalMs: positiveInt.max(5000) }),
  ppp: z.strictObject({
    /** A WAN that is still connecting is polled this long before judging it. */
    waitMs: nonNegativeInt.max(120_000),
    pollMs: positiveInt.max(10_000),
    /** Up for less than this: "just reconnected". */
    justUpSeconds: nonNegativeInt,
  }),
  throughput: z.strictObject({ seconds: positiveInt.max(30) }),
  thresholds: z.strictObject({
    gateway: z.strictObject({ passLossPct: nonNegativeInt.max(100), warnLossPct: nonNegativeInt.max(100), wiredMs: positiveInt, wifiMs: positiveInt, warnMs: positiveInt }),
    dns: z.strictObject({ passMs: positiveInt, warnMs: positiveInt, failMs: positiveInt }),
    https: z.strictObject({ highMs: positiveInt, veryHighMs: positiveInt }),
    quality: z.strictObject({
      warnLossPct: z.number().min(0).max(100),
      failLossPct: z.number().min(0).max(100),
      warnMs: positiveInt,
      failMs: positiveInt,
      warnJitterMs: positiveInt,
      failJitterMs: positiveInt,
    }),
    wifi: z.strictObject({ passDbm: z.number().int(), warnDbm: z.number().int(), failDbm: z.number().int() }),
    clock: z.strictObject({ warnSeconds: positiveInt, failSeconds: positiveInt }),
    throughput: z.strictObject({ passRatio: z.number().min(0).max(1), warnRatio: z.number().min(0).max(1) }),
  }),
});

export type DiagnosticsConfig = z.infer<typeof diagnosticsSchema>;

// ---------------------------------------------------------------------------------------------
// watch (`routerctl watch`): schedule, state machine, alerts, healing, history, metrics.

const zeroOrMore = z.number().int().min(0);
const httpUrl = z.string().regex(/^https?:\/\/\S+$/, { message: 'expected an http:// or https:// URL' });

export const watchSchema = z.strictObject({
  /** node-cron expression, 5 fields (or 6 with seconds first). */
  schedule: z.string().min(1),
  /** The floor: a schedule that would run cycles closer than this is refused. */
  minIntervalSeconds: positiveInt,
  /** Random delay before each beat's cycle, as a share of the interval (0.2 = up to 20 %). */
  jitter: z.number().min(0).max(1),
  jitterMaxSeconds: zeroOrMore,
  /** Upper bound of one cycle, whatever the probes do. */
  cycleTimeoutSeconds: positiveInt.max(600),
  /** Fast re-check while suspect or recovering. */
  recheckSeconds: positiveInt,
  /** Confirming re-read of a router fact (cable out, password refused). */
  confirmSeconds: positiveInt,
  downAfter: positiveInt.max(20),
  upAfter: positiveInt.max(20),
  /** A saved state (for --once under system cron) older than this is ignored. */
  staleStateMinutes: positiveInt,
  alerts: z.strictObject({
    cooldownSeconds: zeroOrMore,
    /** Repeat while down every N hours; 0 = never. */
    reminderHours: z.number().min(0),
    webhook: httpUrl.nullable(),
    webhookTimeoutSeconds: positiveInt.max(120),
    webhookAttempts: positiveInt.max(10),
    webhookBackoffMs: positiveInt,
    webhookMaxBackoffMs: positiveInt,
    webhookTotalSeconds: positiveInt.max(600),
    command: z.string().min(1).nullable(),
    commandTimeoutSeconds: positiveInt.max(600),
  }),
  heal: z.strictObject({
    maxPerHour: zeroOrMore.max(30),
    syncPassword: z.boolean(),
    reconnect: z.boolean(),
    timeoutSeconds: positiveInt.max(900),
  }),
  history: z.strictObject({ maxFileBytes: positiveInt, maxFiles: positiveInt.max(100), retentionDays: zeroOrMore }),
  log: z.strictObject({ maxDays: positiveInt, maxFileBytes: positiveInt }),
  deadman: z.strictObject({ url: httpUrl.nullable(), timeoutSeconds: positiveInt.max(60) }),
  metrics: z.strictObject({
    /** HOST:PORT for the Prometheus endpoint; null = off (or --metrics). */
    listen: z.string().min(1).nullable(),
    /** Routers for /probe?target=NAME; null = none (or --inventory). */
    inventory: z.string().min(1).nullable(),
    probeTimeoutSeconds: positiveInt.max(120),
    probeConcurrency: positiveInt.max(32),
  }),
});

export type WatchConfig = z.infer<typeof watchSchema>;

export const configSchema = z.strictObject({
  discovery: z.strictObject({
    candidates: z.array(candidateSchema),
    includeGateway: z.boolean(),
    gateway: host.nullable(),
    probeTimeoutMs: positiveInt.max(120_000),
    maxBodyBytes: positiveInt.max(64 * 1024 * 1024),
  }),
  ports: z.strictObject({ http: port, https: port, ssh: port }),
  http: z.strictObject({
    requestTimeoutMs: positiveInt,
    maxResponseBytes: positiveInt,
  }),
  login: z.strictObject({
    attemptsPerWindow: positiveInt,
    windowMinutes: positiveInt,
    tryDefaults: z.boolean(),
    defaults: z.record(z.string(), z.array(z.strictObject({ username: z.string(), password: z.string() }))),
  }),
  sync: z.strictObject({
    confirmWindowSeconds: positiveInt,
    wanUpTimeoutSeconds: positiveInt,
    pollIntervalMs: positiveInt,
    authFailPolls: positiveInt,
    /**
     * After an apply, a WAN status is only trusted as the new session's once the link was seen going
     * down or dialling, its uptime started after the apply, or this many seconds have passed.
     */
    staleStatusSeconds: positiveInt.max(60),
  }),
  internet: z.strictObject({
    probeUrls: z.array(probeUrl),
    timeoutMs: positiveInt,
  }),
  log: z.strictObject({
    level: z.enum(LOG_LEVELS),
    /** null: `<state dir>/routerctl.log`. */
    file: z.string().min(1).nullable(),
    maxFileBytes: positiveInt,
    maxFiles: positiveInt,
  }),
  diagnostics: diagnosticsSchema,
  watch: watchSchema,
  ui: z.strictObject({
    /** `routerctl ui` stops after this long without a request from the page (never during a step that runs). */
    idleSeconds: positiveInt.max(24 * 3600),
  }),
});

export type Config = z.infer<typeof configSchema>;
export type CandidateConfig = z.infer<typeof candidateSchema>;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Overrides: any subset of the config. Arrays are replaced whole, so their items stay complete. */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> | undefined }
    : T;
