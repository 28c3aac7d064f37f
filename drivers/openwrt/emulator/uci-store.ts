// Why: the router's configuration storage: committed /etc/config files plus separate change (delta) lists per
// owner — the uci CLI's /tmp/.uci and each rpcd session's /var/run/rpcd/uci-<sid> — which never see each other.
import {
  exportPackage,
  parseConfig,
  parsePackage,
  replayDelta,
  type Delta,
  type UciPackage,
} from './uci-model.js';

/** Who stages changes: the uci CLI (/tmp/.uci) or one rpcd session. */
export type DeltaOwner = 'cli' | `session:${string}`;

export interface LoadedPackage {
  pkg: UciPackage;
  /** The owner's staged changes for this package (libuci p->saved_delta). */
  saved: Delta[];
}

export class UciStore {
  /** pkg -> /etc/config/<pkg> text exactly as uci writes it. */
  private readonly files = new Map<string, string>();
  private readonly deltas = new Map<DeltaOwner, Map<string, Delta[]>>();
  private readonly parsed = new Map<string, { text: string; pkg: UciPackage }>();

  constructor(initial: Record<string, string>) {
    for (const [name, text] of Object.entries(initial)) {
      // normalise through the exporter so files look like uci wrote them
      this.files.set(name, exportPackage(parsePackage(name, text), false));
    }
  }

  /** uci_list_configs: sorted names of /etc/config files. */
  configs(): string[] {
    return [...this.files.keys()].sort();
  }

  has(pkg: string): boolean {
    return this.files.has(pkg);
  }

  fileText(pkg: string): string | undefined {
    return this.files.get(pkg);
  }

  /** Replaces /etc/config/<pkg> (cp, import, rollback). Throws UciError on unparsable text. */
  setFileText(pkg: string, text: string): void {
    parsePackage(pkg, text);
    this.files.set(pkg, text);
  }

  /** Committed package, freshly parsed (uci_load without delta). */
  committed(pkg: string): UciPackage | undefined {
    const text = this.files.get(pkg);
    if (text === undefined) return undefined;
    let cached = this.parsed.get(pkg);
    if (!cached || cached.text !== text) {
      cached = { text, pkg: parsePackage(pkg, text) };
      this.parsed.set(pkg, cached);
    }
    return structuredClone(cached.pkg);
  }

  /** uci_load with the owner's delta replayed; undefined when /etc/config/<pkg> does not exist. */
  load(pkg: string, owner: DeltaOwner | null): LoadedPackage | undefined {
    const p = this.committed(pkg);
    if (!p) return undefined;
    const saved = owner ? [...(this.deltas.get(owner)?.get(pkg) ?? [])] : [];
    for (const d of saved) replayDelta(p, d);
    return { pkg: p, saved };
  }

  changes(owner: DeltaOwner, pkg: string): Delta[] {
    return [...(this.deltas.get(owner)?.get(pkg) ?? [])];
  }

  /** Owner's packages with a non-empty delta, sorted. */
  stagedPackages(owner: DeltaOwner): string[] {
    const m = this.deltas.get(owner);
    if (!m) return [];
    return [...m.entries()].filter(([, d]) => d.length > 0).map(([k]) => k).sort();
  }

  /** uci_save: appends records to the owner's delta file. */
  append(owner: DeltaOwner, pkg: string, records: Delta[]): void {
    if (records.length === 0) return;
    let m = this.deltas.get(owner);
    if (!m) this.deltas.set(owner, (m = new Map()));
    m.set(pkg, [...(m.get(pkg) ?? []), ...records]);
  }

  /** Replaces the owner's delta for a package (snapshot restore). */
  setDeltas(owner: DeltaOwner, pkg: string, records: Delta[]): void {
    let m = this.deltas.get(owner);
    if (!m) this.deltas.set(owner, (m = new Map()));
    m.set(pkg, [...records]);
  }

  /** uci_revert: drops records matching section/option (all when not given). */
  revert(owner: DeltaOwner, pkg: string, section?: string, option?: string): void {
    const m = this.deltas.get(owner);
    const list = m?.get(pkg);
    if (!m || !list) return;
    m.set(
      pkg,
      list.filter((d) => {
        let match = true;
        if (section !== undefined && d.section !== section) match = false;
        if (match && option !== undefined && d.option !== option) match = false;
        return !match;
      }),
    );
  }

  /**
   * uci_commit: re-reads the current file, replays the owner's delta, writes the file, empties the delta.
   * Returns false (file untouched) when nothing was staged.
   */
  commit(owner: DeltaOwner, pkg: string): boolean {
    const list = this.deltas.get(owner)?.get(pkg) ?? [];
    if (!this.files.has(pkg)) return false;
    if (list.length === 0) return false;
    const p = this.committed(pkg)!;
    for (const d of list) replayDelta(p, d);
    this.files.set(pkg, exportPackage(p, false));
    this.deltas.get(owner)!.delete(pkg);
    return true;
  }

  /** Removes every delta of an owner (session destroyed or expired). */
  dropOwner(owner: DeltaOwner): void {
    this.deltas.delete(owner);
  }

  /** `uci import`: replaces whole packages from config text. */
  importText(text: string, name?: string): string[] {
    const pkgs = parseConfig(text, name);
    for (const p of pkgs) this.files.set(p.name, exportPackage(p, false));
    return pkgs.map((p) => p.name);
  }
}
