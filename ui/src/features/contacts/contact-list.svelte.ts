// The Contacts page's data: a filter, the total, and pages of rows fetched on demand
// (cached by page index; dropped and refetched from scratch when the filter changes).
import type { AppError, Backend, ContactQuery, ContactRow, ContactSort } from "../../lib/api";

export const PAGE_SIZE = 200;
export const CONTACT_ROW_HEIGHT = 44;

export type OptedOutFilter = "all" | "reachable" | "opted_out";

export type ContactFilter = {
  search: string;
  region: string;
  tag: string;
  groupId: number | null;
  optedOut: OptedOutFilter;
  phoneHidden: boolean;
  sort: ContactSort;
};

export function emptyFilter(): ContactFilter {
  return { search: "", region: "", tag: "", groupId: null, optedOut: "all", phoneHidden: false, sort: "name" };
}

/** The core's query for a filter (no paging: the export takes it as is). */
export function toQuery(filter: ContactFilter): ContactQuery {
  const text = (s: string) => (s.trim() ? s.trim() : null);
  return {
    search: text(filter.search),
    region: text(filter.region),
    tag: text(filter.tag),
    groupId: filter.groupId,
    optedOut: filter.optedOut === "all" ? null : filter.optedOut === "opted_out",
    phoneHidden: filter.phoneHidden ? true : null,
    sort: filter.sort,
  };
}

export class ContactList {
  /** `null` until the first page of the current filter has answered. */
  total = $state<number | null>(null);
  error = $state<AppError | null>(null);
  /** Page index → rows. Replaced (not mutated) so that rows re-render. */
  pages = $state<Map<number, ContactRow[]>>(new Map());
  private inFlight = new Set<number>();
  private generation = 0;
  /** The pages on screen belong to the previous filter (until the first page of this one arrives). */
  private stale = false;
  private query: ContactQuery = toQuery(emptyFilter());

  constructor(private readonly backend: Backend) {}

  /** A new filter: forget every page and load the first one. */
  reset(filter: ContactFilter): Promise<void> {
    this.query = toQuery(filter);
    return this.reload();
  }

  /** The same filter, from scratch (after an edit). Keeps the rows on screen until the new ones arrive. */
  reload(): Promise<void> {
    this.generation++;
    this.inFlight.clear();
    this.stale = true;
    return this.fetchPage(0);
  }

  row(index: number): ContactRow | undefined {
    return this.pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];
  }

  /** Fetches every page that holds a row in [first, last] and is not cached or on its way. */
  ensure(first: number, last: number): void {
    if (this.total === null) return;
    const end = Math.min(last, this.total - 1);
    if (end < 0) return;
    for (let p = Math.floor(Math.max(0, first) / PAGE_SIZE); p <= Math.floor(end / PAGE_SIZE); p++) {
      if (!this.pages.has(p) && !this.inFlight.has(p)) void this.fetchPage(p);
    }
  }

  private async fetchPage(page: number): Promise<void> {
    const generation = this.generation;
    this.inFlight.add(page);
    // Scrolling on: the page after the last row of the one before (keyset, as fast deep down as at the
    // top); a jump into the middle asks by page number.
    const before = this.stale ? undefined : this.pages.get(page - 1);
    const after = before && before.length === PAGE_SIZE ? before[PAGE_SIZE - 1].id : null;
    const result = await this.backend.searchContacts({ ...this.query, page, pageSize: PAGE_SIZE, after });
    if (generation !== this.generation) return;
    this.inFlight.delete(page);
    if (result.status === "error") {
      this.error = result.error;
      // Rows of the previous filter would pass for answers to this one.
      if (this.stale) {
        this.stale = false;
        this.pages = new Map();
        this.total = null;
      }
      return;
    }
    this.error = null;
    const pages = this.stale ? new Map<number, ContactRow[]>() : new Map(this.pages);
    this.stale = false;
    pages.set(page, result.data.items);
    this.pages = pages;
    this.total = result.data.total;
  }

  /** One row changed (opt-out): update it where it is cached. */
  replace(row: ContactRow): void {
    const pages = new Map(this.pages);
    for (const [p, rows] of pages) {
      const i = rows.findIndex((r) => r.id === row.id);
      if (i >= 0) pages.set(p, rows.map((r, j) => (j === i ? row : r)));
    }
    this.pages = pages;
  }

  /** Values seen in the loaded rows (for the filter suggestions). */
  seen(pick: (row: ContactRow) => (string | null)[]): string[] {
    const values = new Set<string>();
    for (const rows of this.pages.values()) for (const r of rows) for (const v of pick(r)) if (v) values.add(v);
    return [...values].sort();
  }
}
