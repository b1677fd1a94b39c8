// The Dashboard's data: `get_dashboard` once, then again whenever the core says
// something it shows changed (an account, a campaign's status or progress, a
// reply; the page also asks when the database changes), at most once a second:
// no polling.
import type { AppError, Backend } from "../../lib/api";
import type { Alert, Dashboard, DayCounts } from "../../lib/api.inbox";
import type { ChartSeries } from "../../lib/components/chart-config";
import { Reloader } from "../../lib/reloader";

export class DashboardView {
  data = $state<Dashboard | null>(null);
  error = $state<AppError | null>(null);

  private readonly reloader: Reloader;
  private stops: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly backend: Backend,
    gapMs = 1000,
  ) {
    this.reloader = new Reloader(() => this.load(), gapMs);
  }

  start(): () => void {
    const keep = (stop: () => void) => (this.stopped ? stop() : this.stops.push(stop));
    const again = () => this.reloader.request();
    void this.backend.onAccountChanged(again).then(keep);
    void this.backend.campaigns.onChanged(again).then(keep);
    void this.backend.campaigns.onProgressed(again).then(keep);
    void this.backend.inbox.onReply(again).then(keep);
    void this.backend.onResyncNeeded(again).then(keep);
    this.reloader.request();
    return () => {
      this.stopped = true;
      this.reloader.stop();
      for (const stop of this.stops) stop();
      this.stops = [];
    };
  }

  /** Load again (after the current load). */
  reload(): void {
    this.reloader.request();
  }

  private async load(): Promise<void> {
    const result = await this.backend.dashboard.get();
    if (result.status === "ok") {
      this.data = result.data;
      this.error = null;
    } else this.error = result.error;
  }
}

/** "87%" (whole percent), or "–" when nothing was sent. */
export function percent(rate: number | null): string {
  return rate === null ? "–" : `${Math.round(rate * 100)}%`;
}

/** "Dec 2" from "2026-12-02" (read as a calendar day, not a UTC instant). */
export function dayLabel(day: string): string {
  const [y, m, d] = day.split("-").map(Number);
  const date = new Date(y, (m ?? 1) - 1, d ?? 1);
  return isNaN(date.getTime()) ? day : date.toLocaleDateString(undefined, { month: "short", day: "numeric" });
}

/** The chart's stacked series, bottom to top: read, delivered, sent, failed. */
export function daySeries(days: DayCounts[]): ChartSeries[] {
  return [
    { label: "Read", values: days.map((d) => d.read), color: "--accent-strong" },
    { label: "Delivered", values: days.map((d) => d.delivered), color: "--ok" },
    { label: "Sent", values: days.map((d) => d.sent), color: "--text-muted" },
    { label: "Failed", values: days.map((d) => d.failed), color: "--danger" },
  ];
}

/** Where an alert's fix is: the Accounts page, or the campaign's report. */
export function alertLink(alert: Alert): { href: string; label: string } {
  if (alert.campaignId !== null) return { href: `#/campaigns/${alert.campaignId}`, label: "Open the campaign" };
  return { href: "#/accounts", label: "Open Accounts" };
}
