// The in-memory `backend.inbox` and `backend.dashboard` for the UI tests (see
// api.memory.ts for the idea): the replies as data (the core's filtering is
// tested in Rust, so a test cans the page a filter answers), a call log, and
// the reply event a test publishes as the dispatcher would.
import type { AppError, Result, Unlisten } from "./api";
import type { Dashboard, DashboardApi, InboxApi, InboxFilter, InboxItem, InboxPage, ReplyRecorded } from "./api.inbox";
import { sampleDashboard, sampleInboxPage } from "./api.fixtures.inbox";

export type InboxCommand = "list" | "setRead" | "markAllRead" | "setOptOut";

const ok = <T>(data: T): Result<T, AppError> => ({ status: "ok", data });

export class MemoryInbox implements InboxApi {
  /** The replies, newest first; `list` answers them all unless `answer` is set. */
  items: InboxItem[] = [];
  /** What the core answers for a filter (when the test cares which it asked). */
  answer: ((filter: InboxFilter) => InboxPage) | null = null;
  failures: Partial<Record<InboxCommand, AppError>> = {};
  readonly calls: { command: InboxCommand; args: unknown[] }[] = [];
  private readonly handlers = new Set<(e: ReplyRecorded) => void>();

  constructor(items: InboxItem[] = []) {
    this.items = structuredClone(items);
  }

  callsOf(command: InboxCommand): unknown[][] {
    return this.calls.filter((c) => c.command === command).map((c) => c.args);
  }

  get listenerCount(): number {
    return this.handlers.size;
  }

  private record<T>(command: InboxCommand, args: unknown[], run: () => Result<T, AppError>): Promise<Result<T, AppError>> {
    this.calls.push({ command, args });
    const failure = this.failures[command];
    return Promise.resolve(structuredClone(failure ? { status: "error" as const, error: failure } : run()));
  }

  list(filter: InboxFilter): Promise<Result<InboxPage, AppError>> {
    return this.record("list", [filter], () => ok(this.answer ? this.answer(filter) : sampleInboxPage(this.items)));
  }

  setRead(ids: number[], read: boolean): Promise<Result<number, AppError>> {
    return this.record("setRead", [ids, read], () => {
      let n = 0;
      for (const item of this.items.filter((i) => ids.includes(i.id) && (i.readAt !== null) !== read)) {
        item.readAt = read ? "2026-12-02T09:00:00Z" : null;
        n++;
      }
      return ok(n);
    });
  }

  markAllRead(filter: InboxFilter): Promise<Result<number, AppError>> {
    return this.record("markAllRead", [filter], () => {
      const unread = this.items.filter((i) => i.readAt === null);
      for (const item of unread) item.readAt = "2026-12-02T09:00:00Z";
      return ok(unread.length);
    });
  }

  /** As the core does: every reply of that person shows the new state. */
  setOptOut(id: number, optedOut: boolean, reason: string | null): Promise<Result<InboxItem, AppError>> {
    return this.record("setOptOut", [id, optedOut, reason], () => {
      const item = this.items.find((i) => i.id === id);
      if (!item) return { status: "error", error: { kind: "not_found", message: `reply ${id} does not exist`, fix: null } };
      for (const i of this.items.filter((i) => i.contactId === item.contactId)) i.optedOut = optedOut;
      return ok(item);
    });
  }

  onReply(handler: (event: ReplyRecorded) => void): Promise<Unlisten> {
    this.handlers.add(handler);
    return Promise.resolve(() => void this.handlers.delete(handler));
  }

  /** The dispatcher stored `item` (added to the top) and says so. */
  receive(item: InboxItem): void {
    this.items.unshift(structuredClone(item));
    const event: ReplyRecorded = {
      id: item.id,
      accountId: item.accountId,
      contactId: item.contactId,
      replyTo: null,
      optedOut: item.isOptOut,
      optedIn: false,
    };
    for (const h of [...this.handlers]) h(structuredClone(event));
  }
}

export class MemoryDashboard implements DashboardApi {
  /** What `get` answers; change it and emit an event to see the page follow. */
  data: Dashboard;
  failure: AppError | null = null;
  calls = 0;

  constructor(data: Partial<Dashboard> = {}) {
    this.data = sampleDashboard(data);
  }

  get(): Promise<Result<Dashboard, AppError>> {
    this.calls++;
    return Promise.resolve(structuredClone(this.failure ? { status: "error" as const, error: this.failure } : ok(this.data)));
  }
}
