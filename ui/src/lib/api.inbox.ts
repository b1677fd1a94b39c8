// The Inbox and Dashboard part of the one door to the core (`backend.inbox`,
// `backend.dashboard`), in its own file as api.campaigns.ts is. Never rejects:
// every failure comes back as a typed `AppError`.
import { commands, events, type Dashboard, type InboxFilter, type InboxItem, type InboxPage, type ReplyRecorded } from "./bindings";
import type { AppError, Result, Unlisten } from "./api";

export type {
  Alert,
  AlertKind,
  CampaignChoice,
  Dashboard,
  DayCounts,
  InboxFilter,
  InboxItem,
  InboxPage,
  ReplyRecorded,
  WeekFigures,
} from "./bindings";

export interface InboxApi {
  /** Replies newest first, with the unread count and the campaigns replies answer. */
  list(filter: InboxFilter): Promise<Result<InboxPage, AppError>>;
  /** Marks replies read (`read: false`: unread again); answers how many changed. */
  setRead(ids: number[], read: boolean): Promise<Result<number, AppError>>;
  /** Every unread reply the filter shows, read. */
  markAllRead(filter: InboxFilter): Promise<Result<number, AppError>>;
  /** Opts the person who wrote the reply out (or back in); answers the reply as it is now. */
  setOptOut(id: number, optedOut: boolean, reason: string | null): Promise<Result<InboxItem, AppError>>;
  /** A reply was stored (pushed by the dispatcher). Resolves once listening. */
  onReply(handler: (event: ReplyRecorded) => void): Promise<Unlisten>;
}

export interface DashboardApi {
  get(): Promise<Result<Dashboard, AppError>>;
}

type Typed = <T>(call: Promise<Result<T, AppError>>) => Promise<Result<T, AppError>>;

export function tauriInbox(typed: Typed): InboxApi {
  return {
    list: (filter) => typed(commands.listInbox(filter)),
    setRead: (ids, read) => typed(commands.setRepliesRead(ids, read)),
    markAllRead: (filter) => typed(commands.markInboxRead(filter)),
    setOptOut: (id, optedOut, reason) => typed(commands.setReplyOptOut(id, optedOut, reason)),
    onReply: (handler) => events.replyReceived.listen((e) => handler(e.payload)),
  };
}

export function tauriDashboard(typed: Typed): DashboardApi {
  return { get: () => typed(commands.getDashboard()) };
}

/** Outside the desktop app: every call answers `error`, no event ever arrives. */
export function unavailableInbox(error: AppError): InboxApi {
  const failed = () => Promise.resolve({ status: "error" as const, error });
  return { list: failed, setRead: failed, markAllRead: failed, setOptOut: failed, onReply: () => Promise.resolve(() => {}) };
}

export function unavailableDashboard(error: AppError): DashboardApi {
  return { get: () => Promise.resolve({ status: "error" as const, error }) };
}
