// In-memory Backend for tests (and any screen work without the Rust core).
// It behaves like the core in the ways the UI relies on: typed results,
// redacted URLs, a `databaseChanged` event after a successful switch, and an
// account list that publishes an `accountChanged` event on every change (tests
// drive the phone side: `showQr`, `scan`, `emitAccountChanged`, ...).
import type {
  AccountEvent,
  AccountState,
  AccountView,
  AppError,
  AppInfo,
  Backend,
  DatabaseChanged,
  DatabaseInfo,
  DatabaseStatus,
  LinkMethod,
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

/** The account calls a test can make fail (`backend.failures.addAccount = error`). */
export type AccountCommand =
  | "listAccounts"
  | "addAccount"
  | "linkAccount"
  | "logoutAccount"
  | "resetAccount"
  | "removeAccount"
  | "setShowBrowser"
  | "demoScan";

export type AccountCall = { command: AccountCommand; args: unknown[] };

/** An account row as the core would list it; `overrides` win. */
export function sampleAccount(overrides: Partial<AccountView> & { id: number }): AccountView {
  return {
    name: `Account ${overrides.id}`,
    state: "new",
    reason: null,
    fix: null,
    deadline: null,
    phone: null,
    waId: null,
    profileName: null,
    showBrowser: false,
    linkedAt: null,
    lastSeenAt: null,
    running: false,
    qr: null,
    pairingCode: null,
    waVersion: null,
    memoryKib: null,
    ...overrides,
  };
}

/** A stand-in for the core's QR SVG: recognisable, and it carries the payload. */
export function fakeQrSvg(payload: string): string {
  const escaped = payload.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;");
  return `<?xml version="1.0" standalone="yes"?><svg xmlns="http://www.w3.org/2000/svg" width="264" height="264" data-fake-qr="${escaped}"><rect width="264" height="264" fill="#fff"/><rect x="20" y="20" width="60" height="60" fill="#122e31"/></svg>`;
}

const DEMO_PHONES = ["+919800000001", "+919800000002", "+919800000003", "+919800000004", "+919800000005"];

export class MemoryBackend implements Backend {
  info: AppInfo;
  status: DatabaseStatus;
  setDatabaseUrlHandler: SetDatabaseUrlHandler;
  /** Every URL passed to setDatabaseUrl, in order. */
  readonly setDatabaseUrlCalls: (string | null)[] = [];
  private listeners = new Set<(event: DatabaseChanged) => void>();

  /** The accounts the core knows, in list order. Change them through the methods below so events go out. */
  accounts: AccountView[];
  /** A command listed here answers with this error instead of doing anything. */
  failures: Partial<Record<AccountCommand, AppError>> = {};
  /** Every account call, in order. */
  readonly accountCalls: AccountCall[] = [];
  private accountListeners = new Set<(event: AccountEvent) => void>();
  private nextAccountId: number;
  private qrCounter = 0;

  constructor(
    options: { appInfo?: Partial<AppInfo>; setDatabaseUrl?: SetDatabaseUrlHandler; accounts?: AccountView[] } = {},
  ) {
    this.info = sampleAppInfo(options.appInfo);
    this.status = this.info.database;
    this.setDatabaseUrlHandler = options.setDatabaseUrl ?? defaultSetDatabaseUrl;
    this.accounts = structuredClone(options.accounts ?? []);
    this.nextAccountId = Math.max(0, ...this.accounts.map((a) => a.id)) + 1;
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

  // ---- accounts --------------------------------------------------------------------------

  get accountListenerCount(): number {
    return this.accountListeners.size;
  }

  /** The calls made to one command, as argument lists. */
  callsOf(command: AccountCommand): unknown[][] {
    return this.accountCalls.filter((c) => c.command === command).map((c) => c.args);
  }

  account(id: number): AccountView | undefined {
    return this.accounts.find((a) => a.id === id);
  }

  private record<T>(command: AccountCommand, args: unknown[], run: () => Result<T, AppError>): Result<T, AppError> {
    this.accountCalls.push({ command, args });
    const failure = this.failures[command];
    if (failure) return { status: "error", error: structuredClone(failure) };
    return structuredClone(run());
  }

  private notFound(id: number): { status: "error"; error: AppError } {
    return { status: "error", error: { kind: "not_found", message: `no account with id ${id}`, fix: null } };
  }

  /** Finds the account, or answers not_found. */
  private withAccount<T>(id: number, run: (account: AccountView) => Result<T, AppError>): Result<T, AppError> {
    const account = this.account(id);
    return account ? run(account) : this.notFound(id);
  }

  async listAccounts(): Promise<Result<AccountView[], AppError>> {
    return this.record("listAccounts", [], () => ({ status: "ok", data: this.accounts }));
  }

  async addAccount(name: string): Promise<Result<AccountView, AppError>> {
    return this.record("addAccount", [name], () => {
      if (!name.trim()) {
        return {
          status: "error",
          error: { kind: "invalid_input", message: "the account needs a name", fix: 'Give the account a name, e.g. "Sales 1"' },
        };
      }
      const account = sampleAccount({ id: this.nextAccountId++, name: name.trim() });
      this.emitAccountChanged({ event: "changed", account });
      return { status: "ok", data: account };
    });
  }

  async linkAccount(id: number, method: LinkMethod): Promise<Result<null, AppError>> {
    return this.record("linkAccount", [id, method], () =>
      this.withAccount(id, (account) => {
        if (account.state === "restricted") {
          return {
            status: "error",
            error: {
              kind: "conflict",
              message: `account "${account.name}" is restricted by WhatsApp`,
              fix: "Wait until WhatsApp lifts the restriction",
            },
          };
        }
        if (method.method === "pairingCode" && !/^\+?[\d\s-]{8,}$/.test(method.phone.trim())) {
          return {
            status: "error",
            error: {
              kind: "invalid_input",
              message: `not a phone number: "${method.phone}"`,
              fix: "Enter the number with + and its country code, e.g. +91 98765 43210",
            },
          };
        }
        const reason = method.method === "qr" ? "Waiting for the QR code to be scanned" : "Waiting for the pairing code";
        this.update(id, {
          state: "waiting_for_scan",
          reason,
          fix: "On the phone: WhatsApp, Settings, Linked devices, Link a device",
          running: true,
          qr: null,
          pairingCode: null,
        });
        if (method.method === "qr") this.showQr(id);
        else this.showPairingCode(id, "K7QW2M9X");
        return { status: "ok", data: null };
      }),
    );
  }

  async logoutAccount(id: number): Promise<Result<null, AppError>> {
    return this.record("logoutAccount", [id], () =>
      this.withAccount(id, () => {
        this.update(id, {
          state: "logged_out",
          reason: "Logged out from Flock",
          fix: "Click Link to link it again",
          running: false,
          qr: null,
          pairingCode: null,
          memoryKib: null,
        });
        return { status: "ok", data: null };
      }),
    );
  }

  async resetAccount(id: number): Promise<Result<AccountView, AppError>> {
    return this.record("resetAccount", [id], () =>
      this.withAccount(id, () => ({
        status: "ok",
        data: this.update(id, {
          state: "new",
          reason: "Reset: the browser profile was wiped",
          fix: null,
          deadline: null,
          running: false,
          qr: null,
          pairingCode: null,
          memoryKib: null,
        }),
      })),
    );
  }

  async removeAccount(id: number): Promise<Result<null, AppError>> {
    return this.record("removeAccount", [id], () =>
      this.withAccount(id, () => {
        this.emitAccountChanged({ event: "removed", id });
        return { status: "ok", data: null };
      }),
    );
  }

  async setShowBrowser(id: number, show: boolean): Promise<Result<AccountView, AppError>> {
    return this.record("setShowBrowser", [id, show], () =>
      this.withAccount(id, () => ({ status: "ok", data: this.update(id, { showBrowser: show }) })),
    );
  }

  async demoScan(id: number): Promise<Result<AccountView, AppError>> {
    return this.record("demoScan", [id], () =>
      this.withAccount(id, (account) => {
        if (!this.info.demo) {
          return {
            status: "error",
            error: { kind: "invalid_input", message: "simulated scans exist only in demo mode", fix: null },
          };
        }
        if (!account.qr) {
          return {
            status: "error",
            error: { kind: "conflict", message: `account "${account.name}" is not showing a QR code`, fix: null },
          };
        }
        const taken = new Set(this.accounts.map((a) => a.phone));
        const phone = DEMO_PHONES.find((p) => !taken.has(p));
        if (!phone) {
          return {
            status: "error",
            error: { kind: "conflict", message: "every demo phone is already linked", fix: "Remove a demo account first" },
          };
        }
        this.scan(id, phone);
        return { status: "ok", data: this.account(id)! };
      }),
    );
  }

  async onAccountChanged(handler: (event: AccountEvent) => void): Promise<Unlisten> {
    this.accountListeners.add(handler);
    return () => this.accountListeners.delete(handler);
  }

  /**
   * What the core publishes: applies the event to the list and hands it to every listener.
   * `{ silent: true }` changes the list without telling anyone (a lagged event).
   */
  emitAccountChanged(event: AccountEvent, { silent = false }: { silent?: boolean } = {}): void {
    switch (event.event) {
      case "changed": {
        const i = this.accounts.findIndex((a) => a.id === event.account.id);
        if (i >= 0) this.accounts[i] = structuredClone(event.account);
        else this.accounts.push(structuredClone(event.account));
        break;
      }
      case "qr": {
        const account = this.account(event.id);
        if (account) account.qr = { payload: event.payload, svg: event.svg };
        break;
      }
      case "pairingCode": {
        const account = this.account(event.id);
        if (account) account.pairingCode = event.code;
        break;
      }
      case "removed":
        this.accounts = this.accounts.filter((a) => a.id !== event.id);
        break;
    }
    if (silent) return;
    for (const listener of [...this.accountListeners]) listener(structuredClone(event));
  }

  /** Changes an account's fields and publishes `changed`; returns the new view. */
  update(id: number, patch: Partial<AccountView>, options?: { silent?: boolean }): AccountView {
    const account = this.account(id);
    if (!account) throw new Error(`MemoryBackend: no account ${id}`);
    const next = { ...structuredClone(account), ...structuredClone(patch), id };
    this.emitAccountChanged({ event: "changed", account: next }, options);
    return structuredClone(next);
  }

  /** The session shows a (new) QR code: publishes a `qr` event. Returns the payload. */
  showQr(id: number, payload = `2@memory-ref-${++this.qrCounter},pubkey,identity,adv`): string {
    this.emitAccountChanged({ event: "qr", id, payload, svg: fakeQrSvg(payload) });
    return payload;
  }

  showPairingCode(id: number, code: string): void {
    this.emitAccountChanged({ event: "pairingCode", id, code });
  }

  /**
   * The phone scans: `syncing`, then (unless `{ sync: false }`) `active` with the number
   * read from the session, like the core.
   */
  scan(id: number, phone: string, { sync = true }: { sync?: boolean } = {}): void {
    this.update(id, {
      state: "syncing",
      reason: "Scanned: loading chats",
      fix: null,
      qr: null,
      pairingCode: null,
    });
    if (sync) this.finishSync(id, phone);
  }

  finishSync(id: number, phone: string, profileName = "Demo phone"): void {
    const now = new Date().toISOString();
    this.update(id, {
      state: "active",
      reason: null,
      fix: null,
      deadline: null,
      phone,
      waId: `${phone.replace(/^\+/, "")}@c.us`,
      profileName,
      linkedAt: now,
      lastSeenAt: now,
      running: true,
      qr: null,
      pairingCode: null,
      waVersion: "2.3000.1",
      memoryKib: 180 * 1024,
    });
  }

  /** Moves an account to a state with a reason and fix, as the lifecycle does. */
  setState(id: number, state: AccountState, reason: string | null = null, fix: string | null = null): AccountView {
    return this.update(id, { state, reason, fix });
  }
}
