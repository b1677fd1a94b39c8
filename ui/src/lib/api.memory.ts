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
  BulkEdit,
  BulkEditResult,
  ColumnMapping,
  ContactQuery,
  ContactRow,
  CsvPreview,
  DatabaseChanged,
  DatabaseInfo,
  DatabaseStatus,
  ExportResult,
  GroupRow,
  GroupsSyncProgress,
  ImportOptions,
  ImportReport,
  ImportRow,
  LinkMethod,
  NewTagRule,
  Page,
  Result,
  SyncSummary,
  TagRule,
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

/** The contact and group calls a test can make fail. */
export type ContactCommand =
  | "searchContacts"
  | "setOptOut"
  | "listGroups"
  | "bulkEdit"
  | "listTagRules"
  | "addTagRule"
  | "deleteTagRule"
  | "previewContactsCsv"
  | "importContactsCsv"
  | "exportContactsCsv"
  | "syncGroups";

export type BackendCommand = AccountCommand | ContactCommand;

export type AccountCall = { command: BackendCommand; args: unknown[] };

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
  failures: Partial<Record<BackendCommand, AppError>> = {};
  /** Every account call, in order. */
  readonly accountCalls: AccountCall[] = [];
  private accountListeners = new Set<(event: AccountEvent) => void>();
  private nextAccountId: number;
  private qrCounter = 0;

  /** Contacts (not cloned: tests may pass 100,000 of them) and the groups they are in. */
  contacts: ContactRow[];
  /** Contact id → ids of the groups it is currently a member of. */
  memberships: Map<number, number[]>;
  groups: GroupRow[];
  tagRules: TagRule[];
  /** Whether this core offers `syncGroups` (the Tauri one decides from the bindings). */
  syncAvailable: boolean;
  /** What the next `syncGroups` answers (one summary per account). */
  syncSummaries: SyncSummary[] = [];
  /** Where exports are written. */
  downloadsDir = "/home/ana/Downloads";
  private syncListeners = new Set<(event: GroupsSyncProgress) => void>();
  private nextContactId: number;
  private nextRuleId: number;

  constructor(
    options: {
      appInfo?: Partial<AppInfo>;
      setDatabaseUrl?: SetDatabaseUrlHandler;
      accounts?: AccountView[];
      contacts?: ContactRow[];
      memberships?: Map<number, number[]>;
      groups?: GroupRow[];
      tagRules?: TagRule[];
      syncAvailable?: boolean;
    } = {},
  ) {
    this.contacts = options.contacts ?? [];
    this.memberships = options.memberships ?? new Map();
    this.groups = structuredClone(options.groups ?? []);
    this.tagRules = structuredClone(options.tagRules ?? []);
    this.syncAvailable = options.syncAvailable ?? false;
    this.nextContactId = this.contacts.reduce((m, c) => Math.max(m, c.id), 0) + 1;
    this.nextRuleId = Math.max(0, ...this.tagRules.map((r) => r.id)) + 1;
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
  callsOf(command: BackendCommand): unknown[][] {
    return this.accountCalls.filter((c) => c.command === command).map((c) => c.args);
  }

  account(id: number): AccountView | undefined {
    return this.accounts.find((a) => a.id === id);
  }

  private record<T>(command: BackendCommand, args: unknown[], run: () => Result<T, AppError>): Result<T, AppError> {
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

  // ---- contacts and groups ---------------------------------------------------------------

  contact(id: number): ContactRow | undefined {
    return this.contacts.find((c) => c.id === id);
  }

  /** The filtered, sorted contacts (not paged), as the core's query does. */
  matching(query: ContactQuery): ContactRow[] {
    const search = query.search?.trim().toLowerCase() ?? "";
    const digits = search.replace(/\D/g, "");
    const rows = this.contacts.filter((c) => {
      if (search) {
        const byName = (c.name ?? "").toLowerCase().includes(search);
        const byPhone = digits.length > 0 && (c.phone ?? "").replace(/\D/g, "").includes(digits);
        const byTag = c.tags.some((t) => t.toLowerCase().includes(search));
        if (!byName && !byPhone && !byTag) return false;
      }
      if (query.region && c.region !== query.region) return false;
      if (query.state && c.state !== query.state) return false;
      if (query.district && c.district !== query.district) return false;
      if (query.segment && c.segment !== query.segment) return false;
      if (query.tag && !c.tags.includes(query.tag)) return false;
      if (query.groupId != null && !(this.memberships.get(c.id) ?? []).includes(query.groupId)) return false;
      if (query.optedOut != null && c.optedOut !== query.optedOut) return false;
      if (query.phoneHidden != null && c.phoneHidden !== query.phoneHidden) return false;
      return true;
    });
    const sort = query.sort ?? "name";
    const key = (c: ContactRow): string =>
      sort === "phone" ? (c.phone ?? "~") : sort === "region" ? (c.region ?? "~") : (c.name ?? "~").toLowerCase();
    if (sort === "newest") rows.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id - a.id);
    else rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.id - b.id));
    return rows;
  }

  async searchContacts(query: ContactQuery): Promise<Result<Page<ContactRow>, AppError>> {
    return this.record("searchContacts", [query], () => {
      const pageSize = !query.pageSize ? 50 : Math.min(query.pageSize, 1000);
      const page = query.page ?? 0;
      const rows = this.matching(query);
      return {
        status: "ok",
        data: { items: rows.slice(page * pageSize, (page + 1) * pageSize), total: rows.length, page, pageSize },
      };
    });
  }

  async setOptOut(id: number, optedOut: boolean, reason: string | null): Promise<Result<ContactRow, AppError>> {
    return this.record("setOptOut", [id, optedOut, reason], () => {
      const contact = this.contact(id);
      if (!contact) return { status: "error", error: { kind: "not_found", message: `no contact with id ${id}`, fix: null } };
      contact.optedOut = optedOut;
      contact.optedOutAt = optedOut ? new Date().toISOString() : null;
      return { status: "ok", data: contact };
    });
  }

  async listGroups(): Promise<Result<GroupRow[], AppError>> {
    return this.record("listGroups", [], () => ({ status: "ok", data: this.groups }));
  }

  async bulkEdit(edit: BulkEdit): Promise<Result<BulkEditResult, AppError>> {
    return this.record("bulkEdit", [edit], () => {
      const rows: { region: string | null; state: string | null; district: string | null; tags: string[] }[] =
        edit.target === "contacts"
          ? this.contacts.filter((c) => edit.ids.includes(c.id))
          : this.groups.filter((g) => edit.ids.includes(g.id));
      const result: BulkEditResult = { updated: 0, tagged: 0, untagged: 0 };
      for (const row of rows) {
        if (edit.set?.length) {
          for (const change of edit.set) {
            if (change.field === "segment") {
              if (edit.target === "groups") {
                return {
                  status: "error",
                  error: { kind: "invalid_input", message: "groups have no segment", fix: "Set the segment on contacts" },
                };
              }
              (row as ContactRow).segment = change.value;
            } else row[change.field] = change.value;
          }
          result.updated++;
        }
        for (const tag of edit.addTags ?? []) {
          if (!row.tags.includes(tag)) {
            row.tags = [...row.tags, tag].sort();
            result.tagged++;
          }
        }
        for (const tag of edit.removeTags ?? []) {
          if (row.tags.includes(tag)) {
            row.tags = row.tags.filter((t) => t !== tag);
            result.untagged++;
          }
        }
      }
      return { status: "ok", data: result };
    });
  }

  async listTagRules(): Promise<Result<TagRule[], AppError>> {
    return this.record("listTagRules", [], () => ({ status: "ok", data: this.tagRules }));
  }

  async addTagRule(rule: NewTagRule): Promise<Result<TagRule, AppError>> {
    return this.record("addTagRule", [rule], () => {
      if (!rule.contains.trim()) {
        return {
          status: "error",
          error: { kind: "invalid_input", message: "the rule needs a word to look for", fix: 'e.g. "Pune"' },
        };
      }
      if (!rule.set && !rule.tag) {
        return {
          status: "error",
          error: { kind: "invalid_input", message: "the rule sets nothing", fix: "Give it a field value, a tag, or both" },
        };
      }
      const added: TagRule = { id: this.nextRuleId++, contains: rule.contains.trim(), set: rule.set, tag: rule.tag, enabled: true };
      this.tagRules.push(added);
      return { status: "ok", data: added };
    });
  }

  async deleteTagRule(id: number): Promise<Result<null, AppError>> {
    return this.record("deleteTagRule", [id], () => {
      if (!this.tagRules.some((r) => r.id === id)) {
        return { status: "error", error: { kind: "not_found", message: `no tag rule with id ${id}`, fix: null } };
      }
      this.tagRules = this.tagRules.filter((r) => r.id !== id);
      return { status: "ok", data: null };
    });
  }

  async previewContactsCsv(contentBase64: string): Promise<Result<CsvPreview, AppError>> {
    return this.record("previewContactsCsv", [contentBase64], () => {
      const lines = parseCsv(decodeBase64(contentBase64));
      if (lines.length === 0) {
        return { status: "error", error: { kind: "invalid_input", message: "the file is empty", fix: "Choose a CSV file with contacts" } };
      }
      const hasHeaders = !lines[0].some((cell) => /\d{6,}/.test(cell.replace(/\D/g, "")));
      const headers = headerNames(lines, hasHeaders);
      return {
        status: "ok",
        data: { hasHeaders, headers, mapping: proposeMapping(headers), sample: lines.slice(hasHeaders ? 1 : 0, 6) },
      };
    });
  }

  async importContactsCsv(contentBase64: string, options: ImportOptions): Promise<Result<ImportReport, AppError>> {
    return this.record("importContactsCsv", [contentBase64, options], () => {
      const lines = parseCsv(decodeBase64(contentBase64));
      const hasHeaders = options.hasHeaders ?? !lines[0]?.some((cell) => /\d{6,}/.test(cell.replace(/\D/g, "")));
      const headers = headerNames(lines, hasHeaders);
      const mapping = options.mapping ?? proposeMapping(headers);
      if (!mapping.phone) {
        return { status: "error", error: { kind: "invalid_input", message: "no column is mapped to the phone", fix: "Pick the phone column" } };
      }
      const col = (field: keyof ColumnMapping) => (mapping[field] ? headers.indexOf(mapping[field]!) : -1);
      const cell = (line: string[], field: keyof ColumnMapping) => {
        const i = col(field);
        return i >= 0 ? (line[i] ?? "").trim() : "";
      };
      const consentSource = `import:${options.fileName}`;
      const seen = new Set<string>();
      const rows: ImportRow[] = [];
      const totals = { rows: 0, imported: 0, updated: 0, duplicates: 0, rejected: 0 };
      lines.forEach((line, i) => {
        if (hasHeaders && i === 0) return;
        totals.rows++;
        const rowNo = i + 1;
        const raw = col("phone") >= 0 ? cell(line, "phone") : line.join(",");
        const phone = normalisePhone(raw, options.defaultCountry);
        if (!phone) {
          totals.rejected++;
          const reason = raw ? `not a phone number: "${raw}"` : "no phone number";
          rows.push({ row: rowNo, outcome: "rejected", raw, phone: null, contactId: null, reason });
          return;
        }
        if (seen.has(phone)) {
          totals.duplicates++;
          rows.push({ row: rowNo, outcome: "duplicate", raw, phone, contactId: null, reason: "same number as an earlier row" });
          return;
        }
        seen.add(phone);
        const existing = this.contacts.find((c) => c.phone === phone);
        if (existing) {
          totals.duplicates++;
          rows.push({ row: rowNo, outcome: "duplicate", raw, phone, contactId: existing.id, reason: "already a contact" });
          return;
        }
        const id = this.nextContactId++;
        const tags = cell(line, "tags").split(/[;|]/).map((t) => t.trim()).filter(Boolean).sort();
        this.contacts.push(
          sampleContact({
            id,
            phone,
            name: cell(line, "name") || null,
            region: cell(line, "region") || null,
            state: cell(line, "state") || null,
            district: cell(line, "district") || null,
            segment: cell(line, "segment") || null,
            consentSource,
            tags,
          }),
        );
        totals.imported++;
        rows.push({ row: rowNo, outcome: "imported", raw, phone, contactId: id, reason: null });
      });
      return {
        status: "ok",
        data: { fileName: options.fileName, consentSource, hasHeaders, mapping, totals, rows },
      };
    });
  }

  async exportContactsCsv(query: ContactQuery): Promise<Result<ExportResult, AppError>> {
    return this.record("exportContactsCsv", [query], () => ({
      status: "ok",
      data: { path: `${this.downloadsDir}/flock-contacts.csv`, rows: this.matching(query).length },
    }));
  }

  canSyncGroups(): boolean {
    return this.syncAvailable;
  }

  async syncGroups(accountId: number | null): Promise<Result<SyncSummary[], AppError>> {
    return this.record("syncGroups", [accountId], () => ({ status: "ok", data: this.syncSummaries }));
  }

  async onGroupsSyncProgress(handler: (event: GroupsSyncProgress) => void): Promise<Unlisten> {
    this.syncListeners.add(handler);
    return () => this.syncListeners.delete(handler);
  }

  emitGroupsSyncProgress(event: GroupsSyncProgress): void {
    for (const listener of [...this.syncListeners]) listener({ ...event });
  }
}

/** A contact row as the core would list it; `overrides` win. */
export function sampleContact(overrides: Partial<ContactRow> & { id: number }): ContactRow {
  return {
    phone: `+9198${String(10000000 + overrides.id).slice(-8)}`,
    lid: null,
    phoneHidden: false,
    name: `Contact ${overrides.id}`,
    region: null,
    state: null,
    district: null,
    segment: null,
    consentSource: null,
    optedOut: false,
    optedOutAt: null,
    createdAt: "2026-11-01T10:00:00Z",
    tags: [],
    groupCount: 0,
    ...overrides,
  };
}

/** A group row as the core would list it; `overrides` win. */
export function sampleGroup(overrides: Partial<GroupRow> & { id: number }): GroupRow {
  return {
    waId: `1203630${overrides.id}@g.us`,
    subject: `Group ${overrides.id}`,
    description: null,
    memberCount: 0,
    region: null,
    state: null,
    district: null,
    lidAddressing: false,
    removed: false,
    lastSyncedAt: "2026-11-20T09:30:00Z",
    accounts: [],
    tags: [],
    ...overrides,
  };
}

const FIRST_NAMES = ["Asha", "Ravi", "Meena", "Sunil", "Priya", "Arjun", "Kavita", "Imran", "Lakshmi", "Vikram"];
const LAST_NAMES = ["Patil", "Sharma", "Iyer", "Khan", "Desai", "Reddy", "Nair", "Joshi", "Singh", "Kulkarni"];
const PLACES: [string, string, string][] = [
  ["West", "Maharashtra", "Pune"],
  ["West", "Maharashtra", "Nashik"],
  ["South", "Karnataka", "Bengaluru Urban"],
  ["North", "Uttar Pradesh", "Lucknow"],
];

/** `n` deterministic, varied contacts (ids 1..n): names, places, tags, some opted out or hidden. */
export function manyContacts(n: number): ContactRow[] {
  const rows: ContactRow[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const id = i + 1;
    const [region, state, district] = PLACES[i % PLACES.length];
    const hidden = i % 17 === 5;
    rows[i] = {
      id,
      phone: hidden ? null : `+9198${String(id).padStart(8, "0")}`,
      lid: hidden ? `${100000000000 + id}@lid` : null,
      phoneHidden: hidden,
      name: `${FIRST_NAMES[i % 10]} ${LAST_NAMES[Math.floor(i / 10) % 10]} ${id}`,
      region,
      state,
      district,
      segment: i % 3 === 0 ? "farmers" : null,
      consentSource: "group:sync",
      optedOut: i % 23 === 7,
      optedOutAt: i % 23 === 7 ? "2026-11-10T08:00:00Z" : null,
      createdAt: "2026-11-01T10:00:00Z",
      tags: i % 4 === 0 ? ["volunteer"] : i % 4 === 1 ? ["customer", "pune-west"] : [],
      groupCount: 1 + (i % 3),
    };
  }
  return rows;
}

// ---- CSV helpers (enough CSV for tests) ------------------------------------------------------

export function decodeBase64(b64: string): string {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new TextDecoder().decode(bytes);
}

function parseCsv(text: string): string[][] {
  const out: string[][] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const cells: string[] = [];
    let cur = "";
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (quoted) {
        if (ch === '"' && line[i + 1] === '"') (cur += '"'), i++;
        else if (ch === '"') quoted = false;
        else cur += ch;
      } else if (ch === '"') quoted = true;
      else if (ch === ",") cells.push(cur), (cur = "");
      else cur += ch;
    }
    cells.push(cur);
    out.push(cells);
  }
  return out;
}

function headerNames(lines: string[][], hasHeaders: boolean): string[] {
  const width = Math.max(0, ...lines.map((l) => l.length));
  return hasHeaders ? lines[0].map((h) => h.trim()) : Array.from({ length: width }, (_, i) => `column ${i + 1}`);
}

function proposeMapping(headers: string[]): ColumnMapping {
  const find = (...words: string[]) => headers.find((h) => words.some((w) => h.toLowerCase().includes(w))) ?? null;
  return {
    phone: find("phone", "mobile", "number", "whatsapp"),
    name: find("name"),
    region: find("region", "zone"),
    state: find("state"),
    district: find("district", "city"),
    segment: find("segment"),
    tags: find("tag"),
  };
}

function normalisePhone(raw: string, country: string): string | null {
  const digits = raw.replace(/[\s\-().]/g, "");
  if (/^\+\d{8,15}$/.test(digits)) return digits;
  if (/^\d{10}$/.test(digits) && country.toUpperCase() === "IN") return `+91${digits}`;
  if (/^91\d{10}$/.test(digits)) return `+${digits}`;
  return null;
}

/** One account's sync summary; `overrides` win. */
export function sampleSyncSummary(overrides: Partial<SyncSummary> & { accountId: number }): SyncSummary {
  return {
    groupsTotal: 0,
    groupsAdded: 0,
    groupsChanged: 0,
    groupsLeft: 0,
    groupsRemoved: 0,
    membersAdded: 0,
    membersRemoved: 0,
    contactsAdded: 0,
    contactsMerged: 0,
    skipped: [],
    ...overrides,
  };
}
