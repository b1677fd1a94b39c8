// In-memory Backend for the UI tests. It holds data and canned answers, not
// a copy of the core's rules: a test says what the core answers (a page of
// contacts for a filter, an import report, a database switch) and checks
// what the UI does with it. It keeps the core's contract the UI relies on:
// typed results, a call log, and the events the core publishes (tests play
// the phone and the core with `showQr`, `scan`, `emitAccountChanged`, …).
import type {
  WorkstationView,
  AccountEvent,
  AccountState,
  AccountView,
  AppError,
  AppInfo,
  Backend,
  BulkEdit,
  BulkEditResult,
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
  LinkMethod,
  LogBatch,
  LogFolder,
  LogPage,
  LogQuery,
  NewTagRule,
  Page,
  ResyncNeeded,
  DispatcherHealth,
  Result,
  SyncSummary,
  TagRule,
  Unlisten,
} from "./api";
import { fakeQrSvg, sampleAccount, sampleAppInfo } from "./api.fixtures";
import { MemoryCampaigns } from "./api.memory.campaigns";
import { MemoryDashboard, MemoryInbox } from "./api.memory.inbox";

export * from "./api.fixtures";
export * from "./api.fixtures.campaigns";
export { MemoryCampaigns } from "./api.memory.campaigns";
export * from "./api.fixtures.inbox";
export { MemoryDashboard, MemoryInbox } from "./api.memory.inbox";

/** Every command a test can fail (`backend.failures.addAccount = error`) and find in the call log. */
export type BackendCommand =
  | "setDatabaseUrl"
  | "listAccounts"
  | "listWorkstations"
  | "addAccount"
  | "linkAccount"
  | "logoutAccount"
  | "resetAccount"
  | "removeAccount"
  | "setShowBrowser"
  | "demoScan"
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
  | "syncGroups"
  | "logFolder"
  | "readLog"
  | "openLogFolder"
  | "notificationsEnabled"
  | "setNotificationsEnabled";

export type Call = { command: BackendCommand; args: unknown[] };

/** A canned answer: the value, or a function of the call's arguments (to change the data as the core would). */
export type Answer<A extends unknown[], T> = T | ((...args: A) => T);

type AnswerValues = {
  setDatabaseUrl: DatabaseInfo;
  bulkEdit: BulkEditResult;
  previewContactsCsv: CsvPreview;
  importContactsCsv: ImportReport;
  exportContactsCsv: ExportResult;
  syncGroups: SyncSummary[];
  readLog: LogPage;
};
type AnswerArgs = {
  setDatabaseUrl: [url: string | null];
  bulkEdit: [edit: BulkEdit];
  previewContactsCsv: [contentBase64: string];
  importContactsCsv: [contentBase64: string, options: ImportOptions];
  exportContactsCsv: [query: ContactQuery];
  syncGroups: [accountId: number | null];
  readLog: [query: LogQuery];
};
/** The answers only the core can compute; a test sets the ones its screen needs. */
export type Answers = { [K in keyof AnswerValues]: Answer<AnswerArgs[K], AnswerValues[K]> };

/** Rows the core answers for one contact filter (in its sort order); `searchContacts` pages them. */
export type CannedContacts = { filter: ContactQuery; rows: ContactRow[] };

/** The filter part of a query: paging (page, size, keyset `after`) and sort aside, empty values dropped. */
function filterKey(query: ContactQuery): string {
  const { page: _page, pageSize: _size, sort: _sort, after: _after, ...filter } = query;
  const set = Object.entries(filter).filter(([, v]) => v !== null && v !== undefined && v !== "");
  return JSON.stringify(Object.fromEntries(set.sort(([a], [b]) => a.localeCompare(b))));
}

class Listeners<T> {
  private handlers = new Set<(event: T) => void>();
  get size(): number {
    return this.handlers.size;
  }
  add(handler: (event: T) => void): Promise<Unlisten> {
    this.handlers.add(handler);
    return Promise.resolve(() => void this.handlers.delete(handler));
  }
  emit(event: T): void {
    for (const handler of [...this.handlers]) handler(structuredClone(event));
  }
}

const ok = <T>(data: T): Result<T, AppError> => ({ status: "ok", data });
const notFound = (what: string, id: number): Result<never, AppError> => ({
  status: "error",
  error: { kind: "not_found", message: `${what} ${id} does not exist`, fix: null },
});

export class MemoryBackend implements Backend {
  info: AppInfo;
  status: DatabaseStatus;
  /** A command listed here answers with this error instead of doing anything. */
  failures: Partial<Record<BackendCommand, AppError>> = {};
  answers: Partial<Answers> = {};
  /** Every command call, in order. */
  readonly calls: Call[] = [];

  /** The accounts the core knows, in list order. Change them through the methods below so events go out. */
  accounts: AccountView[];
  /** Numbers the demo phone scans with, in order. */
  demoPhones = ["+919800000001", "+919800000002", "+919800000003"];
  /** Contacts for each filter a test expects the UI to ask for. */
  contactPages: CannedContacts[] = [];
  groups: GroupRow[];
  tagRules: TagRule[];
  /** Whether this core offers `syncGroups` (the Tauri one decides from the bindings). */
  syncAvailable: boolean;
  /** Team mode: what `listWorkstations` answers. */
  workstations: WorkstationView[];
  /** The log folder `logFolder` answers (pages of lines: `answers.readLog`). */
  logs: LogFolder = { path: "/data/flock/logs", files: [], liveError: null };
  /** What settings.json says about desktop notifications. */
  notifications = true;
  /** Campaigns, drafts and their canned answers (./api.memory.campaigns.ts). */
  readonly campaigns = new MemoryCampaigns();
  /** Replies and the reply event (./api.memory.inbox.ts). */
  readonly inbox = new MemoryInbox();
  /** What the Dashboard shows (`dashboard.data`). */
  readonly dashboard = new MemoryDashboard();

  private readonly database = new Listeners<DatabaseChanged>();
  private readonly accountEvents = new Listeners<AccountEvent>();
  private readonly resync = new Listeners<ResyncNeeded>();
  private readonly dispatcherHealth = new Listeners<DispatcherHealth>();
  private readonly syncProgress = new Listeners<GroupsSyncProgress>();
  private readonly logLines = new Listeners<LogBatch>();
  private nextAccountId: number;
  private nextRuleId: number;
  private qrCounter = 0;

  constructor(
    options: {
      appInfo?: Partial<AppInfo>;
      accounts?: AccountView[];
      workstations?: WorkstationView[];
      /** The unfiltered list (more filters: `cannedContacts`). */
      contacts?: ContactRow[];
      groups?: GroupRow[];
      tagRules?: TagRule[];
      syncAvailable?: boolean;
    } = {},
  ) {
    this.info = sampleAppInfo(options.appInfo);
    this.status = this.info.database;
    this.accounts = structuredClone(options.accounts ?? []);
    this.workstations = structuredClone(options.workstations ?? []);
    this.nextAccountId = Math.max(0, ...this.accounts.map((a) => a.id)) + 1;
    if (options.contacts) this.cannedContacts({}, options.contacts);
    this.groups = structuredClone(options.groups ?? []);
    this.tagRules = structuredClone(options.tagRules ?? []);
    this.nextRuleId = Math.max(0, ...this.tagRules.map((r) => r.id)) + 1;
    this.syncAvailable = options.syncAvailable ?? false;
  }

  /** The calls made to one command, as argument lists. */
  callsOf(command: BackendCommand): unknown[][] {
    return this.calls.filter((c) => c.command === command).map((c) => c.args);
  }

  private record<T>(command: BackendCommand, args: unknown[], run: () => Result<T, AppError>): Promise<Result<T, AppError>> {
    this.calls.push({ command, args });
    const failure = this.failures[command];
    return Promise.resolve(structuredClone(failure ? { status: "error" as const, error: failure } : run()));
  }

  /** The canned answer for `command`, or a loud error naming what the test forgot. */
  private answer<K extends keyof AnswerValues>(command: K, args: AnswerArgs[K]): Promise<Result<AnswerValues[K], AppError>> {
    return this.record(command, args, () => {
      const answer = this.answers[command] as Answer<AnswerArgs[K], AnswerValues[K]> | undefined;
      if (answer === undefined) {
        return { status: "error", error: { kind: "internal", message: `MemoryBackend: no canned answer for ${command}`, fix: null } };
      }
      return ok(typeof answer === "function" ? answer(...args) : answer);
    });
  }

  // ---- app and database ------------------------------------------------------------------

  get listenerCount(): number {
    return this.database.size;
  }

  async appInfo(): Promise<AppInfo> {
    return structuredClone({ ...this.info, database: this.status });
  }

  async databaseInfo(): Promise<Result<DatabaseInfo, AppError>> {
    return structuredClone(this.status.status === "connected" ? ok(this.status.info) : { status: "error", error: this.status.error });
  }

  async setDatabaseUrl(url: string | null): Promise<Result<DatabaseInfo, AppError>> {
    const result = await this.answer("setDatabaseUrl", [url]);
    // As the core does: a switch that worked is announced to every window.
    if (result.status === "ok") this.emitDatabaseChanged({ status: { status: "connected", info: result.data } });
    return result;
  }

  onDatabaseChanged(handler: (event: DatabaseChanged) => void): Promise<Unlisten> {
    return this.database.add(handler);
  }

  emitDatabaseChanged(event: DatabaseChanged): void {
    this.status = event.status;
    this.database.emit(event);
  }

  onResyncNeeded(handler: (event: ResyncNeeded) => void): Promise<Unlisten> {
    return this.resync.add(handler);
  }

  /** The core lost events on their way to the windows. */
  emitResyncNeeded(event: ResyncNeeded): void {
    this.resync.emit(event);
  }

  onDispatcherHealth(handler: (event: DispatcherHealth) => void): Promise<Unlisten> {
    return this.dispatcherHealth.add(handler);
  }

  /** The dispatcher lost (or got back) the database; appInfo says so from now on too. */
  emitDispatcherHealth(event: DispatcherHealth): void {
    this.info.dispatcher = structuredClone(event);
    this.dispatcherHealth.emit(event);
  }

  get resyncListenerCount(): number {
    return this.resync.size;
  }

  // ---- accounts --------------------------------------------------------------------------

  get accountListenerCount(): number {
    return this.accountEvents.size;
  }

  account(id: number): AccountView | undefined {
    return this.accounts.find((a) => a.id === id);
  }

  private withAccount<T>(command: BackendCommand, args: unknown[], run: (a: AccountView) => Result<T, AppError>) {
    return this.record(command, args, () => {
      const account = this.account(args[0] as number);
      return account ? run(account) : notFound("account", args[0] as number);
    });
  }

  listAccounts(): Promise<Result<AccountView[], AppError>> {
    return this.record("listAccounts", [], () => ok(this.accounts));
  }

  listWorkstations(): Promise<Result<WorkstationView[], AppError>> {
    return this.record("listWorkstations", [], () => ok(this.workstations));
  }

  addAccount(name: string): Promise<Result<AccountView, AppError>> {
    return this.record("addAccount", [name], () => {
      const account = sampleAccount({ id: this.nextAccountId++, name });
      this.emitAccountChanged({ event: "changed", account });
      return ok(account);
    });
  }

  /** Answers at once; then, as the core does, the account waits for a scan and shows a QR (or a pairing code). */
  linkAccount(id: number, method: LinkMethod): Promise<Result<null, AppError>> {
    return this.withAccount("linkAccount", [id, method], () => {
      const reason = method.method === "qr" ? "Waiting for the QR code to be scanned" : "Waiting for the pairing code";
      const fix = "On the phone: WhatsApp, Settings, Linked devices, Link a device";
      this.update(id, { state: "waiting_for_scan", reason, fix, running: true, qr: null, pairingCode: null });
      if (method.method === "qr") this.showQr(id);
      else this.showPairingCode(id, "K7QW2M9X");
      return ok(null);
    });
  }

  logoutAccount(id: number): Promise<Result<null, AppError>> {
    return this.withAccount("logoutAccount", [id], () => {
      this.update(id, { state: "logged_out", reason: "Logged out from Flock", fix: "Click Link to link it again", running: false, qr: null, pairingCode: null, memoryKib: null });
      return ok(null);
    });
  }

  resetAccount(id: number): Promise<Result<AccountView, AppError>> {
    return this.withAccount("resetAccount", [id], () =>
      ok(this.update(id, { state: "new", reason: "Reset: the browser profile was wiped", fix: null, deadline: null, running: false, qr: null, pairingCode: null, memoryKib: null })),
    );
  }

  removeAccount(id: number): Promise<Result<null, AppError>> {
    return this.withAccount("removeAccount", [id], () => {
      this.emitAccountChanged({ event: "removed", id });
      return ok(null);
    });
  }

  setShowBrowser(id: number, show: boolean): Promise<Result<AccountView, AppError>> {
    return this.withAccount("setShowBrowser", [id, show], () => ok(this.update(id, { showBrowser: show })));
  }

  /** The demo phone scans with the next of `demoPhones`. */
  demoScan(id: number): Promise<Result<AccountView, AppError>> {
    return this.withAccount("demoScan", [id], () => {
      this.scan(id, this.demoPhones.shift() ?? "+919800000009");
      return ok(this.account(id)!);
    });
  }

  onAccountChanged(handler: (event: AccountEvent) => void): Promise<Unlisten> {
    return this.accountEvents.add(handler);
  }

  /**
   * What the core publishes: applies the event to the list and hands it to every listener.
   * `{ silent: true }` changes the list without telling anyone (a lost event).
   */
  emitAccountChanged(event: AccountEvent, { silent = false }: { silent?: boolean } = {}): void {
    const account = event.event === "changed" ? undefined : this.account(event.id);
    switch (event.event) {
      case "changed": {
        const i = this.accounts.findIndex((a) => a.id === event.account.id);
        if (i >= 0) this.accounts[i] = structuredClone(event.account);
        else this.accounts.push(structuredClone(event.account));
        break;
      }
      case "qr":
        if (account) account.qr = { payload: event.payload, svg: event.svg };
        break;
      case "pairingCode":
        if (account) account.pairingCode = event.code;
        break;
      case "removed":
        this.accounts = this.accounts.filter((a) => a.id !== event.id);
        break;
    }
    if (!silent) this.accountEvents.emit(event);
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

  /** The phone scans: `syncing`, then (unless `{ sync: false }`) `active` with the number, as the core reports. */
  scan(id: number, phone: string, { sync = true }: { sync?: boolean } = {}): void {
    this.update(id, { state: "syncing", reason: "Scanned: loading chats", fix: null, qr: null, pairingCode: null });
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

  /** Moves an account to a state with a reason and fix, as the lifecycle reports it. */
  setState(id: number, state: AccountState, reason: string | null = null, fix: string | null = null): AccountView {
    return this.update(id, { state, reason, fix });
  }

  // ---- contacts and groups ---------------------------------------------------------------

  /** The core answers `rows` (in this order) for `filter`; a later call for the same filter replaces it. */
  cannedContacts(filter: ContactQuery, rows: ContactRow[]): void {
    const key = filterKey(filter);
    this.contactPages = [...this.contactPages.filter((c) => filterKey(c.filter) !== key), { filter, rows }];
  }

  /** The rows canned for `query`'s filter, or undefined when the test gave none. */
  contactsFor(query: ContactQuery): ContactRow[] | undefined {
    const key = filterKey(query);
    return this.contactPages.find((c) => filterKey(c.filter) === key)?.rows;
  }

  searchContacts(query: ContactQuery): Promise<Result<Page<ContactRow>, AppError>> {
    return this.record("searchContacts", [query], () => {
      const rows = this.contactsFor(query);
      if (!rows) {
        return { status: "error", error: { kind: "internal", message: `MemoryBackend: no contacts canned for ${filterKey(query)}`, fix: null } };
      }
      const page = query.page ?? 0;
      const pageSize = query.pageSize || 50;
      return ok({ items: rows.slice(page * pageSize, (page + 1) * pageSize), total: rows.length, page, pageSize });
    });
  }

  /** Marks the contact's row (in every canned list) as the core would return it. */
  setOptOut(id: number, optedOut: boolean, reason: string | null): Promise<Result<ContactRow, AppError>> {
    return this.record("setOptOut", [id, optedOut, reason], () => {
      const copies = this.contactPages.flatMap((c) => c.rows.filter((r) => r.id === id));
      if (copies.length === 0) return notFound("contact", id);
      for (const row of copies) Object.assign(row, { optedOut, optedOutAt: optedOut ? "2026-11-30T10:00:00Z" : null });
      return ok(copies[0]);
    });
  }

  listGroups(): Promise<Result<GroupRow[], AppError>> {
    return this.record("listGroups", [], () => ok(this.groups));
  }

  bulkEdit(edit: BulkEdit): Promise<Result<BulkEditResult, AppError>> {
    return this.answer("bulkEdit", [edit]);
  }

  listTagRules(): Promise<Result<TagRule[], AppError>> {
    return this.record("listTagRules", [], () => ok(this.tagRules));
  }

  addTagRule(rule: NewTagRule): Promise<Result<TagRule, AppError>> {
    return this.record("addTagRule", [rule], () => {
      const added: TagRule = { id: this.nextRuleId++, ...rule, enabled: true };
      this.tagRules.push(added);
      return ok(added);
    });
  }

  deleteTagRule(id: number): Promise<Result<null, AppError>> {
    return this.record("deleteTagRule", [id], () => {
      if (!this.tagRules.some((r) => r.id === id)) return notFound("tag rule", id);
      this.tagRules = this.tagRules.filter((r) => r.id !== id);
      return ok(null);
    });
  }

  previewContactsCsv(contentBase64: string): Promise<Result<CsvPreview, AppError>> {
    return this.answer("previewContactsCsv", [contentBase64]);
  }

  importContactsCsv(contentBase64: string, options: ImportOptions): Promise<Result<ImportReport, AppError>> {
    return this.answer("importContactsCsv", [contentBase64, options]);
  }

  exportContactsCsv(query: ContactQuery): Promise<Result<ExportResult, AppError>> {
    return this.answer("exportContactsCsv", [query]);
  }

  canSyncGroups(): boolean {
    return this.syncAvailable;
  }

  syncGroups(accountId: number | null): Promise<Result<SyncSummary[], AppError>> {
    return this.answer("syncGroups", [accountId]);
  }

  onGroupsSyncProgress(handler: (event: GroupsSyncProgress) => void): Promise<Unlisten> {
    return this.syncProgress.add(handler);
  }

  emitGroupsSyncProgress(event: GroupsSyncProgress): void {
    this.syncProgress.emit(event);
  }

  // ---- logs and notifications -------------------------------------------------------------

  logFolder(): Promise<Result<LogFolder, AppError>> {
    return this.record("logFolder", [], () => ok(this.logs));
  }

  readLog(query: LogQuery): Promise<Result<LogPage, AppError>> {
    return this.answer("readLog", [query]);
  }

  openLogFolder(): Promise<Result<null, AppError>> {
    return this.record("openLogFolder", [], () => ok(null));
  }

  onLogLines(handler: (batch: LogBatch) => void): Promise<Unlisten> {
    return this.logLines.add(handler);
  }

  get logListenerCount(): number {
    return this.logLines.size;
  }

  /** The core's tail read new lines. */
  emitLogLines(batch: LogBatch): void {
    this.logLines.emit(batch);
  }

  notificationsEnabled(): Promise<Result<boolean, AppError>> {
    return this.record("notificationsEnabled", [], () => ok(this.notifications));
  }

  setNotificationsEnabled(enabled: boolean): Promise<Result<boolean, AppError>> {
    return this.record("setNotificationsEnabled", [enabled], () => ok((this.notifications = enabled)));
  }
}
