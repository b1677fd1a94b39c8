// Words and numbers the Campaigns pages show, kept apart from the components so
// that they are tested without rendering.
import type { AudienceCount, CampaignCounts, CampaignStatus } from "../../lib/api.campaigns";

/** "2,340": grouped the same way whatever the machine's locale (as the Contacts page does). */
export const num = (n: number) => n.toLocaleString("en-US");

export const STATUS_LABELS = {
  draft: "Draft",
  scheduled: "Scheduled",
  running: "Running",
  paused: "Paused",
  completed: "Completed",
  cancelled: "Cancelled",
} satisfies Record<CampaignStatus, string>;

export const STATUSES = Object.keys(STATUS_LABELS) as CampaignStatus[];

/** Every message of the campaign, whatever its status (skipped ones included). */
export function totalOf(c: CampaignCounts): number {
  return c.pending + c.sending + c.sent + c.delivered + c.read + c.failed + c.skipped;
}

/**
 * Shares of the targets for the progress bar. The outbox keeps one status per
 * message (the furthest it got), so "sent" here is sent but not yet delivered.
 */
export function progressParts(c: CampaignCounts): { read: number; delivered: number; sent: number; failed: number; done: number } {
  const total = totalOf(c);
  if (total === 0) return { read: 0, delivered: 0, sent: 0, failed: 0, done: 0 };
  const pct = (n: number) => (100 * n) / total;
  const reached = c.sent + c.delivered + c.read;
  return {
    read: pct(c.read),
    delivered: pct(c.delivered),
    sent: pct(c.sent),
    failed: pct(c.failed),
    done: Math.round(pct(reached + c.failed + c.skipped)),
  };
}

/** "12 of 40 reached · 9 delivered · 4 read" (delivered includes read: both got there). */
export function progressText(c: CampaignCounts): string {
  const total = totalOf(c) - c.skipped;
  const reached = c.sent + c.delivered + c.read;
  const parts = [`${num(reached)} of ${num(total)} sent`, `${num(c.delivered + c.read)} delivered`, `${num(c.read)} read`];
  if (c.failed) parts.push(`${num(c.failed)} failed`);
  return parts.join(" · ");
}

const SKIP_WORDS: Record<string, string> = {
  opted_out: "opted out",
  phone_hidden: "phone hidden",
  no_consent: "without consent",
  recently_contacted: "contacted recently",
  duplicate_person: "reached twice",
  missing_value: "missing a variable",
  campaign_cancelled: "cancelled",
  own_account: "our own accounts",
  not_on_whatsapp: "not on WhatsApp",
  no_member_account: "groups without our account",
};

export function skipWords(code: string): string {
  return SKIP_WORDS[code] ?? code.replace(/_/g, " ");
}

/** "2,340 targets: 2,120 to send, 180 opted out, 40 phone hidden". */
export function audienceSentence(a: AudienceCount): string {
  const head = `${num(a.targets)} ${a.targets === 1 ? "target" : "targets"}`;
  if (a.targets === 0) return `${head}: choose groups, contacts or a CSV`;
  const skips = Object.entries(a.skippedByReason)
    .filter(([, n]) => n > 0)
    .sort(([, x], [, y]) => y - x)
    .map(([code, n]) => `${num(n)} ${skipWords(code)}`);
  return `${head}: ${[`${num(a.toSend)} to send`, ...skips].join(", ")}`;
}

/** "2 Dec, 14:05" in the machine's zone; "—" for none. */
export function when(iso: string | null): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString("en-GB", { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/** The page a Campaigns address names: `#/campaigns`, `#/campaigns/7` (report), `#/campaigns/7/edit`. */
export type CampaignRoute = { view: "list" } | { view: "report"; id: number } | { view: "edit"; id: number };

export function routeFromHash(hash: string): CampaignRoute {
  const m = /^#\/?campaigns\/(\d+)(\/edit)?\/?$/i.exec(hash);
  if (!m) return { view: "list" };
  const id = Number(m[1]);
  return m[2] ? { view: "edit", id } : { view: "report", id };
}

export function hashOf(route: CampaignRoute): string {
  return route.view === "list" ? "#/campaigns" : `#/campaigns/${route.id}${route.view === "edit" ? "/edit" : ""}`;
}
