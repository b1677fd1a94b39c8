// Live account list: `listAccounts` once, then every `accountChanged` event
// applied in place (no polling). It loads the list again when the core says
// events were lost (`resyncNeeded` for accounts: its channel lagged) and when
// the database changes; `refresh()` does the same by hand.
import { getContext, setContext } from "svelte";
import { toAppError, type AccountEvent, type AccountView, type AppError, type Backend } from "./api";

export type AccountsLoad = "idle" | "loading" | "ready" | "failed";

export class AccountStore {
  accounts = $state<AccountView[]>([]);
  load = $state<AccountsLoad>("idle");
  /** Why the last listAccounts failed (the list keeps what it had). */
  error = $state<AppError | null>(null);
  /** A refresh is in flight (the first load included). */
  refreshing = $state(false);

  private started = false;
  private stopFns: (() => void)[] = [];
  private stopped = false;
  // Events seen while a listAccounts is in flight: its answer may predate them,
  // so they are applied again on top of it.
  private inFlight = 0;
  private recent: AccountEvent[] = [];
  private loadSeq = 0;

  constructor(private readonly backend: Backend) {}

  /**
   * Subscribes, then loads. Idempotent: the first screen that needs accounts starts it, and it
   * stays live for the app's lifetime (App calls `stop`).
   */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.stopped = false;
    const keep = (stop: () => void) => (this.stopped ? stop() : this.stopFns.push(stop));
    this.backend
      .onAccountChanged((event) => {
        if (!this.stopped) this.apply(event);
      })
      .then(keep, (e) => console.error("Could not listen to account-changed", e));
    // Events were lost: the list may miss changes, so ask for it again.
    this.backend
      .onResyncNeeded((event) => {
        if (!this.stopped && event.what === "accounts") void this.refresh();
      })
      .then(keep, (e) => console.error("Could not listen to resync-needed", e));
    // A new database means a new account service: its list is another one.
    this.backend
      .onDatabaseChanged((event) => {
        if (!this.stopped && event.status.status === "connected") void this.refresh();
      })
      .then(keep, (e) => console.error("Could not listen to database-changed", e));
    void this.refresh();
  }

  stop(): void {
    this.stopped = true;
    this.started = false;
    for (const stop of this.stopFns.splice(0)) stop();
  }

  /** Asks listAccounts again; events that arrive meanwhile still win. */
  async refresh(): Promise<void> {
    const seq = ++this.loadSeq;
    const from = this.recent.length;
    this.inFlight += 1;
    this.refreshing = true;
    if (this.load !== "ready") this.load = "loading";
    let result;
    try {
      result = await this.backend.listAccounts();
    } catch (e) {
      result = { status: "error" as const, error: toAppError(e) };
    }
    try {
      if (this.stopped || seq !== this.loadSeq) return; // a newer refresh answers instead
      if (result.status === "ok") {
        this.accounts = result.data;
        for (const event of this.recent.slice(from)) this.applyOne(event);
        this.error = null;
        this.load = "ready";
      } else {
        this.error = result.error;
        if (this.load !== "ready") this.load = "failed";
      }
    } finally {
      this.inFlight -= 1;
      if (this.inFlight === 0) {
        this.recent = [];
        this.refreshing = false;
      }
    }
  }

  /** One `accountChanged` event. */
  apply(event: AccountEvent): void {
    if (this.inFlight > 0) this.recent.push(event);
    this.applyOne(event);
  }

  /** A view a command answered with: added when the list does not have it yet (events keep the rest fresh). */
  adopt(view: AccountView): void {
    if (!this.get(view.id)) this.accounts.push(view);
  }

  /** A removal the core confirmed (its `removed` event does the same; this heals a missed one). */
  forget(id: number): void {
    this.applyOne({ event: "removed", id });
  }

  get(id: number): AccountView | undefined {
    return this.accounts.find((a) => a.id === id);
  }

  private applyOne(event: AccountEvent): void {
    switch (event.event) {
      case "changed": {
        const i = this.accounts.findIndex((a) => a.id === event.account.id);
        if (i >= 0) this.accounts[i] = event.account;
        else this.accounts.push(event.account);
        break;
      }
      case "qr": {
        const account = this.get(event.id);
        if (account) account.qr = { payload: event.payload, svg: event.svg };
        break;
      }
      case "pairingCode": {
        const account = this.get(event.id);
        if (account) account.pairingCode = event.code;
        break;
      }
      case "removed":
        this.accounts = this.accounts.filter((a) => a.id !== event.id);
        break;
    }
  }
}

const ACCOUNTS_KEY = Symbol("flock.accounts");

export function setAccountStore(store: AccountStore): AccountStore {
  return setContext(ACCOUNTS_KEY, store);
}

export function getAccountStore(): AccountStore {
  const store = getContext<AccountStore | undefined>(ACCOUNTS_KEY);
  if (!store) throw new Error("No AccountStore in context: render the component inside <App>.");
  return store;
}
