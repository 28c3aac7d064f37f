// What the wizard's page sees: one JSON object, sent whole over Server-Sent Events after every change
// and from GET /api/state. It never holds a secret (no password, no token, no cookie): the texts are
// chosen in the browser from message keys, so one state serves every language.
import type { Lang } from '../i18n/index.js';
import type { ChainLink } from '../diagnostics/present.js';

/** A line of live progress: a message key of the wizard or diagnose catalogue, with its parameters. */
export interface ProgressLine {
  key: string;
  params?: Record<string, string | number> | undefined;
}

/** An error as the page shows it: the code picks the words; the message (English) is for technicians. */
export interface ErrorView {
  code: string;
  message: string;
  reason?: string | undefined;
  retryAfterSeconds?: number | undefined;
}

export interface RouterView {
  host: string;
  /** HOST or HOST:PORT, as `--host` takes it. */
  hostArg: string;
  family: string;
  familyName: string;
  model?: string | undefined;
  firmware?: string | undefined;
  isGateway: boolean;
}

export interface FindView {
  running: boolean;
  progress: ProgressLine[];
  routers: RouterView[];
  /** Addresses that answered but are no router routerctl knows. */
  unknown: string[];
  selected?: string | undefined;
  error?: ErrorView | undefined;
}

export type LoginStatus = 'trying' | 'ok' | 'ask' | 'error';

export interface LoginView {
  running: boolean;
  progress: ProgressLine[];
  host: string;
  status: LoginStatus;
  /** How the login succeeded: saved, default, given, prompt. */
  source?: string | undefined;
  /** Why the page asks or stopped: factory_refused, saved_refused, wrong, locked, busy, unreachable, failed. */
  reason?: string | undefined;
  budget: { remaining: number; windowMinutes: number; routerAttemptsLeft?: number | undefined };
  error?: ErrorView | undefined;
}

export interface AdviceView {
  title: string;
  steps: string[];
  support?: string | undefined;
  supportCode?: string | undefined;
}

export interface DiagnosisView {
  verdict: { id: string; severity: string; confidence: string; supportCode?: string | undefined; heal?: string | undefined };
  advice: Record<Lang, AdviceView>;
  chain: ChainLink[];
  secondary: Record<Lang, string[]>;
  durationMs: number;
  /** The router could not be logged in to, so only this device's side was checked (an error code). */
  routerSkipped?: string | undefined;
  /** The verdict is the home-internet (PPP) password: the page offers the new-password form. */
  passwordVerdict: boolean;
  /** The command the advice names for the sync; the page shows its own form in its place. */
  syncCommand: string;
  /** How to get a temporary password from this provider, per language. */
  tempPassword: Record<Lang, string>;
}

export interface CheckView {
  running: boolean;
  progress: ProgressLine[];
  diagnosis?: DiagnosisView | undefined;
  error?: ErrorView | undefined;
}

export type SyncOutcomeView = 'applied' | 'unchanged' | 'rolled_back' | 'restore_failed' | 'lost' | 'failed';

export interface FixView {
  running: boolean;
  progress: ProgressLine[];
  outcome?: SyncOutcomeView | undefined;
  /** For applied: whether the internet check through the router answered. */
  internetOk?: boolean | undefined;
  /** For rolled_back: auth_failed (the provider refused it) or timeout / other. */
  reason?: string | undefined;
  backupFile?: string | undefined;
  restoreCommand?: string | undefined;
  error?: ErrorView | undefined;
  /** The diagnosis run once more after a successful sync. */
  recheck?: CheckView | undefined;
}

export type StopReason = 'quit' | 'idle' | 'signal';

export interface UiState {
  /** Grows with every change; the page ignores an older state that arrives late. */
  version: number;
  busy: 'find' | 'login' | 'check' | 'fix' | null;
  find: FindView;
  login?: LoginView | undefined;
  check?: CheckView | undefined;
  fix?: FixView | undefined;
  reportAvailable: boolean;
  stopped?: StopReason | undefined;
}
