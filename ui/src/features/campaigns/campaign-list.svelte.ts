// The Campaigns list, live: loaded once, then kept current by the core's events
// (progress patches counts and ETA in place; a status change patches the row and
// reloads the list for what the event does not carry: started/finished times, a
// new campaign). Never polled.
import type { AppError, Backend, Unlisten } from "../../lib/api";
import type { CampaignChanged, CampaignProgressed, CampaignRow } from "../../lib/api.campaigns";

export class CampaignList {
  rows = $state<CampaignRow[]>([]);
  loaded = $state(false);
  error = $state<AppError | null>(null);
  private stops: Unlisten[] = [];
  private generation = 0;
  private stopped = false;

  constructor(private readonly backend: Backend) {}

  /** Listens first, then loads: an event that arrives meanwhile is not lost (the load answers after it). */
  async start(): Promise<void> {
    this.stopped = false;
    const api = this.backend.campaigns;
    const stops = await Promise.all([
      api.onProgressed((e) => this.progressed(e)),
      api.onChanged((e) => this.changed(e)),
      this.backend.onResyncNeeded((e) => e.what === "campaigns" && void this.reload()),
    ]);
    if (this.stopped) stops.forEach((s) => s());
    else this.stops = stops;
    await this.reload();
  }

  stop(): void {
    this.stopped = true;
    this.stops.forEach((s) => s());
    this.stops = [];
  }

  async reload(): Promise<void> {
    const generation = ++this.generation;
    const result = await this.backend.campaigns.list();
    if (generation !== this.generation) return;
    if (result.status === "ok") {
      this.rows = result.data;
      this.error = null;
    } else this.error = result.error;
    this.loaded = true;
  }

  private progressed(e: CampaignProgressed): void {
    const row = this.rows.find((r) => r.id === e.campaignId);
    if (!row) {
      // A campaign this window has not listed yet (started elsewhere, e.g. flockctl).
      void this.reload();
      return;
    }
    row.counts = e.counts;
    row.eta = e.eta;
    row.finishesAt = e.finishesAt;
  }

  private changed(e: CampaignChanged): void {
    const row = this.rows.find((r) => r.id === e.id);
    if (row) {
      const moved = row.status !== e.status;
      row.status = e.status;
      row.reason = e.reason;
      // A draft saved: nothing the list shows changed but the name, which the reload brings.
      if (!moved && e.status !== "draft") return;
    }
    void this.reload();
  }
}
