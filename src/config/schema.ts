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
