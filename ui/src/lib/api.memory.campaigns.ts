// The in-memory `backend.campaigns` for the UI tests (see api.memory.ts for the
// idea): campaigns and drafts as data, canned answers for what only the core
// computes (text check, audience count, review, report…), a call log, and the
// two events a test publishes as the dispatcher would.
import type { AppError, Result, Unlisten } from "./api";
import type {
  AudienceCount,
  CampaignChanged,
  CampaignProgressed,
  CampaignReport,
  CampaignRow,
  CampaignStatus,
  CampaignsApi,
  CampaignView,
  DraftUpdate,
  DraftView,
  MediaInfo,
  RetryReport,
  Review,
  SenderView,
  StartReport,
  TemplateCheck,
} from "./api.campaigns";
import type { CsvPreview, ExportResult } from "./bindings";
import { sampleAudience, sampleCheck, sampleDraft, sampleReport, sampleReview } from "./api.fixtures.campaigns";

export type CampaignCommand = keyof Omit<CampaignsApi, "onProgressed" | "onChanged">;

type Answerable = {
  checkText: [[text: string, headers: string[]], TemplateCheck];
  inspectMedia: [[path: string], MediaInfo];
  chooseMediaFile: [[], string | null];
  chooseCsvFile: [[], string | null];
  previewCsvFile: [[path: string], CsvPreview];
  audienceCount: [[id: number, draft: DraftView | undefined], AudienceCount];
  senders: [[], SenderView[]];
  review: [[id: number], Review];
  report: [[id: number], CampaignReport];
  retryFailed: [[id: number, reason: string | null], RetryReport];
  exportReport: [[id: number], ExportResult | null];
};
export type CampaignAnswers = {
  [K in keyof Answerable]: Answerable[K][1] | ((...args: Answerable[K][0]) => Answerable[K][1]);
};

const ok = <T>(data: T): Result<T, AppError> => ({ status: "ok", data });

export class MemoryCampaigns implements CampaignsApi {
  /** The list `list()` answers, in order. `setStatus`, `progress`, `start` keep it current. */
  rows: CampaignRow[] = [];
  /** Drafts (and started campaigns) by id, as `openDraft` gives them. */
  drafts = new Map<number, DraftView>();
  /** Answers for what the core computes; defaults: a clean text check, an empty audience, one sender, … */
  answers: Partial<CampaignAnswers> = {};
  failures: Partial<Record<CampaignCommand, AppError>> = {};
  readonly calls: { command: CampaignCommand; args: unknown[] }[] = [];
  private nextId = 1;
  private readonly progressHandlers = new Set<(e: CampaignProgressed) => void>();
  private readonly changeHandlers = new Set<(e: CampaignChanged) => void>();

  constructor(rows: CampaignRow[] = []) {
    this.rows = structuredClone(rows);
    this.nextId = Math.max(0, ...rows.map((r) => r.id)) + 1;
  }

  callsOf(command: CampaignCommand): unknown[][] {
    return this.calls.filter((c) => c.command === command).map((c) => c.args);
  }

  get listenerCount(): number {
    return this.progressHandlers.size + this.changeHandlers.size;
  }

  private record<T>(command: CampaignCommand, args: unknown[], run: () => Result<T, AppError>): Promise<Result<T, AppError>> {
    this.calls.push({ command, args });
    const failure = this.failures[command];
    return Promise.resolve(structuredClone(failure ? { status: "error" as const, error: failure } : run()));
  }

  /** The canned answer, else `fallback`'s, else a loud error naming what the test forgot. */
  private answer<K extends keyof Answerable>(command: K, args: Answerable[K][0], fallback?: () => Answerable[K][1]) {
    return this.record(command, args, (): Result<Answerable[K][1], AppError> => {
      const a = this.answers[command] as CampaignAnswers[K] | undefined;
      if (a === undefined) {
        if (fallback) return ok(fallback());
        return { status: "error", error: { kind: "internal", message: `MemoryCampaigns: no canned answer for ${command}`, fix: null } };
      }
      return ok(typeof a === "function" ? (a as (...x: unknown[]) => Answerable[K][1])(...args) : (a as Answerable[K][1]));
    });
  }

  private draft(id: number): Result<DraftView, AppError> {
    const d = this.drafts.get(id);
    return d ? ok(d) : { status: "error", error: { kind: "not_found", message: `campaign ${id} does not exist`, fix: null } };
  }

  // ---- events a test publishes ---------------------------------------------------------

  onProgressed(handler: (e: CampaignProgressed) => void): Promise<Unlisten> {
    this.progressHandlers.add(handler);
    return Promise.resolve(() => void this.progressHandlers.delete(handler));
  }

  onChanged(handler: (e: CampaignChanged) => void): Promise<Unlisten> {
    this.changeHandlers.add(handler);
    return Promise.resolve(() => void this.changeHandlers.delete(handler));
  }

  /** The dispatcher's progress: updates the row (and draft) and tells every listener. */
  emitProgressed(event: CampaignProgressed): void {
    const row = this.rows.find((r) => r.id === event.campaignId);
    if (row) Object.assign(row, { counts: event.counts, eta: event.eta, finishesAt: event.finishesAt });
    const d = this.drafts.get(event.campaignId);
    if (d) d.campaign.counts = structuredClone(event.counts);
    for (const h of [...this.progressHandlers]) h(structuredClone(event));
  }

  /** A status change (made by the core, or by the commands below): stored, then published. */
  setStatus(id: number, status: CampaignStatus, reason: string | null = null, { silent = false } = {}): void {
    const row = this.rows.find((r) => r.id === id);
    if (row) Object.assign(row, { status, reason });
    const d = this.drafts.get(id);
    if (d) Object.assign(d.campaign, { status, reason });
    if (!silent) this.emitChanged({ id, status, reason });
  }

  emitChanged(event: CampaignChanged): void {
    for (const h of [...this.changeHandlers]) h(structuredClone(event));
  }

  // ---- commands --------------------------------------------------------------------------

  list() {
    return this.record("list", [], () => ok(this.rows));
  }

  get(id: number) {
    return this.record("get", [id], () => {
      const d = this.draft(id);
      return d.status === "ok" ? ok(d.data.campaign) : d;
    });
  }

  createDraft(name: string) {
    return this.record("createDraft", [name], () => {
      const id = this.nextId++;
      const draft = sampleDraft({ id, name });
      this.drafts.set(id, draft);
      this.rows.unshift(this.rowOf(draft.campaign));
      this.emitChanged({ id, status: "draft", reason: null });
      return ok(draft);
    });
  }

  openDraft(id: number) {
    return this.record("openDraft", [id], () => this.draft(id));
  }

  /** Applies the parts given, as the core stores them (no checks: those are the core's). */
  saveDraft(id: number, update: DraftUpdate) {
    return this.record("saveDraft", [id, update], () => {
      const d = this.draft(id);
      if (d.status === "error") return d;
      const c = d.data.campaign;
      if (update.name) c.name = update.name;
      if (update.message) {
        c.text = update.message.text;
        c.link = update.message.link;
        if (update.message.media.kind === "none") {
          d.data.media = null;
          c.mediaAssetId = null;
        }
      }
      if (update.audience) {
        c.audience = { ...c.audience, groups: update.audience.groups, filters: update.audience.filters, contacts: update.audience.contacts };
      }
      if (update.accounts) c.accounts = update.accounts;
      if (update.options) c.options = update.options;
      if (update.schedule) {
        const s = update.schedule;
        c.schedule = { startAt: s.startLocal, quietHours: s.quietHours, days: s.days, timeZone: s.timeZone };
        d.data.startLocal = s.startLocal;
      }
      const row = this.rows.find((r) => r.id === id);
      if (row) row.name = c.name;
      this.emitChanged({ id, status: c.status, reason: c.reason });
      return ok(d.data);
    });
  }

  checkText(text: string, csvHeaders: string[]) {
    return this.answer("checkText", [text, csvHeaders], () => sampleCheck(text));
  }

  inspectMedia(path: string) {
    return this.answer("inspectMedia", [path]);
  }

  chooseMediaFile() {
    return this.answer("chooseMediaFile", [], () => null);
  }

  chooseCsvFile() {
    return this.answer("chooseCsvFile", [], () => null);
  }

  previewCsvFile(path: string) {
    return this.answer("previewCsvFile", [path]);
  }

  audienceCount(id: number) {
    return this.answer("audienceCount", [id, this.drafts.get(id)], () => sampleAudience());
  }

  senders() {
    return this.answer("senders", [], () => []);
  }

  review(id: number) {
    return this.answer("review", [id], () => sampleReview(id));
  }

  start(id: number) {
    return this.record("start", [id], () => {
      const d = this.draft(id);
      if (d.status === "error") return d;
      const status: CampaignStatus = d.data.campaign.schedule?.startAt ? "scheduled" : "running";
      const reason = status === "running" ? "started" : "waiting for its start time";
      this.setStatus(id, status, reason);
      const report: StartReport = { id, status, reason, added: 3, audience: sampleAudience(), transition: null };
      return ok(report);
    });
  }

  private step(command: "pause" | "resume" | "cancel", id: number, status: CampaignStatus, reason: string) {
    return this.record(command, [id], () => {
      const d = this.draft(id);
      if (d.status === "error") return d;
      this.setStatus(id, status, reason);
      return ok(this.drafts.get(id)!.campaign);
    });
  }

  pause(id: number) {
    return this.step("pause", id, "paused", "paused by you");
  }

  resume(id: number) {
    return this.step("resume", id, "running", "resumed");
  }

  cancel(id: number) {
    return this.step("cancel", id, "cancelled", "cancelled by you");
  }

  report(id: number) {
    const d = this.drafts.get(id);
    return this.answer("report", [id], d ? () => sampleReport(d.campaign) : undefined);
  }

  retryFailed(id: number, reason: string | null) {
    return this.answer("retryFailed", [id, reason], () => ({ moved: 0, kept: 0, reopened: false, status: "running" as const }));
  }

  exportReport(id: number) {
    return this.answer("exportReport", [id], () => null);
  }

  /** The list row for a campaign view. */
  rowOf(c: CampaignView): CampaignRow {
    return {
      id: c.id,
      name: c.name,
      status: c.status,
      reason: c.reason,
      pausedBy: c.pausedBy,
      kind: c.kind,
      counts: c.counts,
      accounts: [],
      eta: c.eta?.text ?? null,
      finishesAt: c.eta?.finishesAt ?? null,
      createdAt: c.createdAt,
      startedAt: c.startedAt,
      finishedAt: c.finishedAt,
    };
  }

  /** Adds a campaign (a draft view and its row) as if the core had it. */
  add(view: DraftView): void {
    this.drafts.set(view.campaign.id, structuredClone(view));
    this.rows = this.rows.filter((r) => r.id !== view.campaign.id);
    this.rows.push(this.rowOf(view.campaign));
    this.nextId = Math.max(this.nextId, view.campaign.id + 1);
  }
}
