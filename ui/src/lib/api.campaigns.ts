// The Campaigns part of the one door to the core (`backend.campaigns`): kept in
// its own file so that api.ts stays small. Never rejects: every failure comes
// back as a typed `AppError`, as in api.ts.
import {
  commands,
  events,
  type AudienceCount,
  type CampaignChanged,
  type CampaignProgressed,
  type CampaignReport,
  type CampaignRow,
  type CampaignView,
  type CsvPreview,
  type DraftUpdate,
  type DraftView,
  type ExportResult,
  type MediaInfo,
  type RetryReport,
  type Review,
  type SenderView,
  type StartReport,
  type TemplateCheck,
} from "./bindings";
import type { AppError, Result, Unlisten } from "./api";

export type {
  AccountLine,
  AccountRef,
  Allowance,
  Audience,
  AudienceCount,
  CampaignChanged,
  CampaignCounts,
  CampaignEventView,
  CampaignOptions,
  CampaignProgressed,
  CampaignReport,
  CampaignRow,
  CampaignStatus,
  CampaignView,
  ContentKind,
  CsvChoice,
  CsvImported,
  CsvSource,
  Day,
  DraftAudience,
  DraftMessage,
  DraftUpdate,
  DraftView,
  Eta,
  FailureGroup,
  InboxEntry,
  Limits,
  MediaChoice,
  MediaInfo,
  Preview,
  QuietHours,
  RampStage,
  RetryReport,
  Review,
  Sample,
  ScheduleInput,
  SenderView,
  SkipGroup,
  StartReport,
  TemplateCheck,
  TemplateProblem,
  Timeline,
  Warning,
  WarningCode,
} from "./bindings";

export interface CampaignsApi {
  list(): Promise<Result<CampaignRow[], AppError>>;
  get(id: number): Promise<Result<CampaignView, AppError>>;
  createDraft(name: string): Promise<Result<DraftView, AppError>>;
  openDraft(id: number): Promise<Result<DraftView, AppError>>;
  /** Each part `update` gives replaces the draft's (one composer step). */
  saveDraft(id: number, update: DraftUpdate): Promise<Result<DraftView, AppError>>;
  /** The editor's check while typing (nothing stored). */
  checkText(text: string, csvHeaders: string[]): Promise<Result<TemplateCheck, AppError>>;
  inspectMedia(path: string): Promise<Result<MediaInfo, AppError>>;
  /** The native file dialog; `null` when the person cancels. */
  chooseMediaFile(): Promise<Result<string | null, AppError>>;
  chooseCsvFile(): Promise<Result<string | null, AppError>>;
  previewCsvFile(path: string): Promise<Result<CsvPreview, AppError>>;
  /** The audience of the draft as saved. */
  audienceCount(id: number): Promise<Result<AudienceCount, AppError>>;
  senders(): Promise<Result<SenderView[], AppError>>;
  review(id: number): Promise<Result<Review, AppError>>;
  start(id: number): Promise<Result<StartReport, AppError>>;
  pause(id: number): Promise<Result<CampaignView, AppError>>;
  resume(id: number): Promise<Result<CampaignView, AppError>>;
  cancel(id: number): Promise<Result<CampaignView, AppError>>;
  report(id: number): Promise<Result<CampaignReport, AppError>>;
  /** `reason: null`: every retryable failure. */
  retryFailed(id: number, reason: string | null): Promise<Result<RetryReport, AppError>>;
  /** `null` data: the person cancelled the save dialog. */
  exportReport(id: number): Promise<Result<ExportResult | null, AppError>>;
  /** The dispatcher's progress (counts and ETA). Resolves once listening. */
  onProgressed(handler: (event: CampaignProgressed) => void): Promise<Unlisten>;
  /** A status change, or a draft saved. Resolves once listening. */
  onChanged(handler: (event: CampaignChanged) => void): Promise<Unlisten>;
}

type Typed = <T>(call: Promise<Result<T, AppError>>) => Promise<Result<T, AppError>>;

/** The Tauri side; `typed` is api.ts's wrapper that turns anything thrown into an `AppError`. */
export function tauriCampaigns(typed: Typed): CampaignsApi {
  return {
    list: () => typed(commands.listCampaigns()),
    get: (id) => typed(commands.getCampaign(id)),
    createDraft: (name) => typed(commands.createCampaignDraft(name)),
    openDraft: (id) => typed(commands.openCampaignDraft(id)),
    saveDraft: (id, update) => typed(commands.saveCampaignDraft(id, update)),
    checkText: (text, headers) => typed(commands.checkCampaignText(text, headers)),
    inspectMedia: (path) => typed(commands.inspectMedia(path)),
    chooseMediaFile: () => typed(commands.chooseMediaFile()),
    chooseCsvFile: () => typed(commands.chooseCsvFile()),
    previewCsvFile: (path) => typed(commands.previewCsvFile(path)),
    audienceCount: (id) => typed(commands.campaignAudienceCount(id)),
    senders: () => typed(commands.campaignSenders()),
    review: (id) => typed(commands.reviewCampaign(id)),
    start: (id) => typed(commands.startCampaign(id)),
    pause: (id) => typed(commands.pauseCampaign(id)),
    resume: (id) => typed(commands.resumeCampaign(id)),
    cancel: (id) => typed(commands.cancelCampaign(id)),
    report: (id) => typed(commands.campaignReport(id)),
    retryFailed: (id, reason) => typed(commands.retryFailedMessages(id, reason)),
    exportReport: (id) => typed(commands.exportCampaignReport(id)),
    onProgressed: (handler) => events.campaignProgressed.listen((e) => handler(e.payload)),
    onChanged: (handler) => events.campaignChanged.listen((e) => handler(e.payload)),
  };
}

/** Outside the desktop app: every call answers `error`, no event ever arrives. */
export function unavailableCampaigns(error: AppError): CampaignsApi {
  const failed = () => Promise.resolve({ status: "error" as const, error });
  const never = () => Promise.resolve(() => {});
  return {
    list: failed,
    get: failed,
    createDraft: failed,
    openDraft: failed,
    saveDraft: failed,
    checkText: failed,
    inspectMedia: failed,
    chooseMediaFile: failed,
    chooseCsvFile: failed,
    previewCsvFile: failed,
    audienceCount: failed,
    senders: failed,
    review: failed,
    start: failed,
    pause: failed,
    resume: failed,
    cancel: failed,
    report: failed,
    retryFailed: failed,
    exportReport: failed,
    onProgressed: never,
    onChanged: never,
  };
}
