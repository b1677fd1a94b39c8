// Hash routing: #/settings → "settings". No router dependency needed.
import { PAGES, type PageId } from "./pages";

const DEFAULT_PAGE: PageId = "dashboard";

export function pageFromHash(hash: string): PageId {
  const id = hash.replace(/^#\/?/, "").split(/[/?]/)[0].toLowerCase();
  return PAGES.some((p) => p.id === id) ? (id as PageId) : DEFAULT_PAGE;
}

export class Router {
  current = $state<PageId>(DEFAULT_PAGE);

  constructor(private readonly win: Window = window) {
    this.current = pageFromHash(win.location.hash);
  }

  /** Follows the address bar (back/forward, typed links). Returns a stop function. */
  start(): () => void {
    const sync = () => (this.current = pageFromHash(this.win.location.hash));
    this.win.addEventListener("hashchange", sync);
    return () => this.win.removeEventListener("hashchange", sync);
  }

  go(page: PageId): void {
    this.current = page;
    const hash = `#/${page}`;
    if (this.win.location.hash !== hash) this.win.location.hash = hash;
  }
}
