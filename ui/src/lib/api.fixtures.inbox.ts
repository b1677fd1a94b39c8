// Canned Inbox and Dashboard data for the UI tests, shaped as the core answers
// it (data only: the queries are tested in Rust). `overrides` win everywhere.
import type { Dashboard, DayCounts, InboxItem, InboxPage, WeekFigures } from "./api.inbox";

export function sampleReply(overrides: Partial<InboxItem> & { id: number }): InboxItem {
  return {
    accountId: 1,
    accountName: "Sales 1",
    chatId: `9198000${String(overrides.id).padStart(5, "0")}@c.us`,
    groupSubject: null,
    msgType: "chat",
    body: `Reply ${overrides.id}`,
    contactId: overrides.id + 100,
    contactName: `Contact ${overrides.id}`,
    contactPhone: `+9198000${String(overrides.id).padStart(5, "0")}`,
    phoneHidden: false,
    campaignId: null,
    campaignName: null,
    isOptOut: false,
    optedOut: false,
    readAt: null,
    sentAt: "2026-12-01T10:00:00Z",
    receivedAt: "2026-12-01T10:00:01Z",
    ...overrides,
  };
}

/** A page of `items` whose unread count is counted from them. */
export function sampleInboxPage(items: InboxItem[], overrides: Partial<InboxPage> = {}): InboxPage {
  return { items, more: false, unread: items.filter((i) => i.readAt === null).length, campaigns: [], ...overrides };
}

export function sampleWeek(overrides: Partial<WeekFigures> = {}): WeekFigures {
  return { sent: 0, delivered: 0, read: 0, failed: 0, deliveryRate: null, readRate: null, replies: 0, optOuts: 0, ...overrides };
}

/** 30 days ending 2026-12-02, all zero unless `counts` gives a day's numbers. */
export function sampleDays(counts: Record<string, Partial<DayCounts>> = {}): DayCounts[] {
  const end = Date.UTC(2026, 11, 2);
  return Array.from({ length: 30 }, (_, i) => {
    const day = new Date(end - (29 - i) * 86_400_000).toISOString().slice(0, 10);
    return { day, sent: 0, delivered: 0, read: 0, failed: 0, ...counts[day] };
  });
}

export function sampleDashboard(overrides: Partial<Dashboard> = {}): Dashboard {
  return {
    accountsActive: 0,
    accountsTotal: 0,
    sentToday: 0,
    allowanceToday: 0,
    allowanceLeft: 0,
    week: sampleWeek(),
    unreadReplies: 0,
    optedOutTotal: 0,
    days: sampleDays(),
    campaigns: [],
    alerts: [],
    ...overrides,
  };
}
