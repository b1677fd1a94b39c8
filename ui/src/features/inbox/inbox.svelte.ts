// The Inbox page's state: the replies the core answers for the filter, kept
// live by the core's `reply-received` event (and reloaded when replies were
// lost or the database changed), and the actions on one reply.
import type { AppError, Backend } from "../../lib/api";
import type { InboxFilter, InboxItem, InboxPage } from "../../lib/api.inbox";
import { Reloader } from "../../lib/reloader";

export const PAGE_STEP = 100;

export type InboxFilterState = Required<InboxFilter>;

export function emptyFilter(): InboxFilterState {
  return { accountId: null, campaignId: null, contactId: null, unreadOnly: false, optOutsOnly: false, limit: PAGE_STEP };
}

export class InboxView {
  page = $state<InboxPage | null>(null);
  error = $state<AppError | null>(null);
  filter = $state<InboxFilterState>(emptyFilter());
  /** The reply an action is running on. */
  busy = $state<number | null>(null);
  actionError = $state<AppError | null>(null);
  /** Replies that arrived since the page was opened (the live counter). */
  arrived = $state(0);

  private readonly reloader = new Reloader(() => this.load());
  private stops: (() => void)[] = [];
  private stopped = false;

  constructor(private readonly backend: Backend) {}

  start(): () => void {
    const keep = (stop: () => void) => (this.stopped ? stop() : this.stops.push(stop));
    void this.backend.inbox
      .onReply(() => {
        this.arrived++;
        this.reloader.request();
      })
      .then(keep);
    void this.backend.onResyncNeeded((e) => e.what === "inbox" && this.reloader.request()).then(keep);
    void this.backend.onDatabaseChanged(() => this.reloader.request()).then(keep);
    this.reloader.request();
    return () => {
      this.stopped = true;
      this.reloader.stop();
      for (const stop of this.stops) stop();
      this.stops = [];
    };
  }

  private async load(): Promise<void> {
    const result = await this.backend.inbox.list({ ...this.filter });
    if (result.status === "ok") {
      this.page = result.data;
      this.error = null;
    } else this.error = result.error;
  }

  setFilter(patch: Partial<InboxFilterState>): void {
    this.filter = { ...this.filter, ...patch, limit: PAGE_STEP };
    this.reloader.request();
  }

  showMore(): void {
    this.filter = { ...this.filter, limit: this.filter.limit + PAGE_STEP };
    this.reloader.request();
  }

  private async act(id: number, run: () => Promise<{ status: "ok" } | { status: "error"; error: AppError }>) {
    this.busy = id;
    this.actionError = null;
    const result = await run();
    this.busy = null;
    if (result.status === "error") this.actionError = result.error;
    await this.load();
  }

  toggleRead(item: InboxItem): Promise<void> {
    return this.act(item.id, () => this.backend.inbox.setRead([item.id], item.readAt === null));
  }

  setOptOut(item: InboxItem, optedOut: boolean): Promise<void> {
    return this.act(item.id, () => this.backend.inbox.setOptOut(item.id, optedOut, null));
  }

  async markAllRead(): Promise<void> {
    this.actionError = null;
    const result = await this.backend.inbox.markAllRead({ ...this.filter });
    if (result.status === "error") this.actionError = result.error;
    await this.load();
  }
}

/** Who wrote: the contact's name, else the phone, else what WhatsApp shows. */
export function writer(item: InboxItem): string {
  if (item.contactName) return item.contactName;
  if (item.contactPhone) return item.contactPhone;
  if (item.phoneHidden) return "Phone hidden";
  return item.chatId.replace(/@.*$/, "");
}

export function when(iso: string): string {
  const d = new Date(iso);
  return isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}
