// In-memory Backend for tests (and any screen work without the Rust core).
// It behaves like the core in the ways the UI relies on: typed results,
// redacted URLs, and a `databaseChanged` event after a successful switch.
import type {
  AppError,
  AppInfo,
  Backend,
  DatabaseChanged,
  DatabaseInfo,
  DatabaseStatus,
  Result,
  Unlisten,
} from "./api";

export const SQLITE_INFO: DatabaseInfo = {
  backend: "sqlite",
  url: "sqlite:///home/ana/.local/share/flock/flock.db",
  applied: 3,
  pending: 0,
  tables: ["accounts", "contacts", "groups", "seaql_migrations"],
};

export function sampleAppInfo(overrides: Partial<AppInfo> = {}): AppInfo {
  return {
    version: "0.1.0",
    dataDir: "/home/ana/.local/share/flock",
    logDir: "/home/ana/.local/share/flock/logs",
    demo: false,
    database: { status: "connected", info: SQLITE_INFO },
    ...overrides,
  };
}

/** Hides the password as the core does: postgres://user:***@host/db */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]+):[^@]*@/i, "$1:***@");
}

export type SetDatabaseUrlHandler = (url: string | null) => Result<DatabaseInfo, AppError>;

function defaultSetDatabaseUrl(url: string | null): Result<DatabaseInfo, AppError> {
  if (url === null) return { status: "ok", data: SQLITE_INFO };
  if (!/^postgres(ql)?:\/\//.test(url)) {
    return {
      status: "error",
      error: {
        kind: "invalid_input",
        message: `Not a PostgreSQL URL: ${redactUrl(url)}`,
        fix: "Use the form postgres://user:password@host:5432/flock",
      },
    };
  }
  return {
    status: "ok",
    data: { backend: "postgres", url: redactUrl(url), applied: 3, pending: 0, tables: [...SQLITE_INFO.tables] },
  };
}

export class MemoryBackend implements Backend {
  info: AppInfo;
  status: DatabaseStatus;
  setDatabaseUrlHandler: SetDatabaseUrlHandler;
  /** Every URL passed to setDatabaseUrl, in order. */
  readonly setDatabaseUrlCalls: (string | null)[] = [];
  private listeners = new Set<(event: DatabaseChanged) => void>();

  constructor(options: { appInfo?: Partial<AppInfo>; setDatabaseUrl?: SetDatabaseUrlHandler } = {}) {
    this.info = sampleAppInfo(options.appInfo);
    this.status = this.info.database;
    this.setDatabaseUrlHandler = options.setDatabaseUrl ?? defaultSetDatabaseUrl;
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  async appInfo(): Promise<AppInfo> {
    return structuredClone({ ...this.info, database: this.status });
  }

  async databaseInfo(): Promise<Result<DatabaseInfo, AppError>> {
    return this.status.status === "connected"
      ? { status: "ok", data: structuredClone(this.status.info) }
      : { status: "error", error: structuredClone(this.status.error) };
  }

  async setDatabaseUrl(url: string | null): Promise<Result<DatabaseInfo, AppError>> {
    this.setDatabaseUrlCalls.push(url);
    const result = this.setDatabaseUrlHandler(url);
    if (result.status === "ok") this.emitDatabaseChanged({ status: { status: "connected", info: result.data } });
    return structuredClone(result);
  }

  async onDatabaseChanged(handler: (event: DatabaseChanged) => void): Promise<Unlisten> {
    this.listeners.add(handler);
    return () => this.listeners.delete(handler);
  }

  /** What the core does when the database changes (from this or another window). */
  emitDatabaseChanged(event: DatabaseChanged): void {
    this.status = event.status;
    for (const listener of [...this.listeners]) listener(structuredClone(event));
  }
}
