// The Logs page's data: the day files, the lines read so far (a page from the core, older
// pages on request) and, for the newest day, the lines the core's tail pushes as they are
// written. Never polls. Lines are parsed and masked by the core; the view only keeps them.
import type { AppError, Backend, LogBatch, LogEntry, LogFile, LogLevel, LogLine, LogQuery, Unlisten } from "../../lib/api";

/** Lines per page asked of the core. */
export const PAGE_LINES = 1000;
/** The most lines kept on screen; older ones are dropped (and can be read again). */
export const MAX_KEPT = 20_000;

export const LEVELS: readonly LogLevel[] = ["trace", "debug", "info", "warn", "error"];

export type LogFilter = { minLevel: LogLevel | null; search: string };

/**
 * The same test the core applies to a page (`LogQuery::matches`), for the lines pushed live:
 * at or above the level, and the text (any case) in the message, the module or a field.
 */
export function lineMatches(line: LogLine, filter: LogFilter): boolean {
  if (filter.minLevel && LEVELS.indexOf(line.level) < LEVELS.indexOf(filter.minLevel)) return false;
  const needle = filter.search.trim().toLowerCase();
  if (!needle) return true;
  const has = (s: string) => s.toLowerCase().includes(needle);
  return has(line.message) || has(line.target) || Object.entries(line.fields).some(([k, v]) => has(k) || has(v ?? ""));
}

export class LogView {
  path = $state("");
  files = $state<LogFile[]>([]);
  /** The day shown; `null`: the newest (followed live). */
  file = $state<string | null>(null);
  entries = $state<LogEntry[]>([]);
  /** Older lines exist before the first one shown. */
  more = $state(false);
  loading = $state(false);
  error = $state<AppError | null>(null);
  /** Why new lines do not arrive live (the core could not watch the folder). */
  liveError = $state<AppError | null>(null);
  filter = $state<LogFilter>({ minLevel: null, search: "" });

  /** The day file the entries belong to (the newest one's name once known). */
  private shownFile: string | null = null;
  private firstOffset = 0;
  private end = 0;
  private generation = 0;
  private unlisten: Unlisten | null = null;
  private stopped = false;

  constructor(private readonly backend: Backend) {}

  /** Whether the newest day is shown (the one the tail follows). */
  get live(): boolean {
    return this.file === null || this.file === this.files[0]?.name;
  }

  /** Listens first, then reads: no line written in between is lost (offsets drop doubles). */
  async start(): Promise<void> {
    this.stopped = false;
    const unlisten = await this.backend.onLogLines((batch) => this.append(batch));
    if (this.stopped) unlisten();
    else this.unlisten = unlisten;
    const folder = await this.backend.logFolder();
    if (folder.status === "ok") {
      this.path = folder.data.path;
      this.files = folder.data.files;
      this.liveError = folder.data.liveError;
    } else {
      this.error = folder.error;
    }
    await this.reload();
  }

  stop(): void {
    this.stopped = true;
    this.unlisten?.();
    this.unlisten = null;
  }

  setFilter(filter: LogFilter): Promise<void> {
    this.filter = filter;
    return this.reload();
  }

  showFile(name: string | null): Promise<void> {
    this.file = name;
    return this.reload();
  }

  /** The newest page for the day and filter, from scratch. */
  async reload(): Promise<void> {
    const generation = ++this.generation;
    this.loading = true;
    const result = await this.backend.readLog(this.query(null));
    if (generation !== this.generation) return;
    this.loading = false;
    if (result.status === "error") {
      this.error = result.error;
      return;
    }
    this.error = null;
    this.shownFile = result.data.file;
    this.entries = result.data.entries;
    this.firstOffset = result.data.start;
    this.end = result.data.end;
    this.more = result.data.more;
  }

  /** The page before the first line shown. */
  async loadEarlier(): Promise<void> {
    if (!this.more || this.loading) return;
    const generation = this.generation;
    this.loading = true;
    const result = await this.backend.readLog(this.query(this.firstOffset));
    if (generation !== this.generation) return;
    this.loading = false;
    if (result.status === "error") {
      this.error = result.error;
      return;
    }
    const known = new Set(this.entries.map((e) => e.offset));
    this.entries = [...result.data.entries.filter((e) => !known.has(e.offset)), ...this.entries];
    this.firstOffset = result.data.start;
    this.more = result.data.more;
  }

  /** Lines the tail read: kept when they belong to the day shown, are new, and pass the filter. */
  append(batch: LogBatch): void {
    if (!this.live) return;
    if (batch.file !== this.shownFile) {
      // A new day began (or the first file appeared): its lines start a fresh view.
      const newer = this.shownFile === null || batch.file > this.shownFile;
      if (!newer) return;
      this.shownFile = batch.file;
      this.entries = [];
      this.end = 0;
      this.firstOffset = 0;
      this.more = false;
      if (!this.files.some((f) => f.name === batch.file)) {
        this.files = [{ name: batch.file, date: batch.file.match(/\d{4}-\d{2}-\d{2}/)?.[0] ?? null, size: 0 }, ...this.files];
      }
    }
    const fresh = batch.entries.filter((e) => e.offset >= this.end && lineMatches(e.line, this.filter));
    const last = batch.entries[batch.entries.length - 1];
    if (last) this.end = Math.max(this.end, last.offset + 1);
    if (fresh.length === 0) return;
    let next = [...this.entries, ...fresh];
    if (next.length > MAX_KEPT) {
      next = next.slice(next.length - MAX_KEPT);
      this.firstOffset = next[0].offset;
      this.more = true;
    }
    this.entries = next;
  }

  openFolder() {
    return this.backend.openLogFolder();
  }

  private query(before: number | null): LogQuery {
    return {
      file: this.file,
      before,
      limit: PAGE_LINES,
      minLevel: this.filter.minLevel,
      search: this.filter.search.trim() || null,
    };
  }
}
