// Live app-wide state: what appInfo said, and the database status kept
// current by the `databaseChanged` event. When the core says events were lost
// (`resyncNeeded`), appInfo is read again too (the account store reloads its
// own list). Every screen reads it from context.
import { getContext, setContext } from "svelte";
import {
  toAppError,
  type AppError,
  type AppInfo,
  type Backend,
  type DatabaseInfo,
  type DatabaseStatus,
  type DispatcherHealth,
} from "./api";

export type CoreState =
  | { state: "loading" }
  | { state: "ready"; info: AppInfo }
  | { state: "unavailable"; error: AppError };

export class AppState {
  core = $state<CoreState>({ state: "loading" });
  /** null until appInfo (or an event) has told us. */
  database = $state<DatabaseStatus | null>(null);
  /** Whether sending can reach the database; null until appInfo (or an event) has told us. */
  dispatcher = $state<DispatcherHealth | null>(null);

  private eventsSeen = 0;
  private healthSeen = 0;

  constructor(private readonly backend: Backend) {}

  /** Subscribes first, then loads appInfo, so no change is missed. Returns a stop function. */
  start(): () => void {
    let stopped = false;
    const unlisten: (() => void)[] = [];
    const keep = (stop: () => void) => (stopped ? stop() : unlisten.push(stop));
    this.backend
      .onDatabaseChanged((event) => {
        if (!stopped) this.setDatabase(event.status);
      })
      .then(keep, (e) => console.error("Could not listen to database-changed", e));
    this.backend
      .onDispatcherHealth((health) => {
        if (stopped) return;
        this.healthSeen += 1;
        this.dispatcher = health;
      })
      .then(keep, (e) => console.error("Could not listen to dispatcher-health-changed", e));
    this.backend
      .onResyncNeeded(() => {
        if (!stopped) void this.load(() => stopped);
      })
      .then(keep, (e) => console.error("Could not listen to resync-needed", e));
    void this.load(() => stopped);
    return () => {
      stopped = true;
      for (const stop of unlisten.splice(0)) stop();
    };
  }

  async load(isStopped: () => boolean = () => false): Promise<void> {
    const seenBefore = this.eventsSeen;
    const healthBefore = this.healthSeen;
    try {
      const info = await this.backend.appInfo();
      if (isStopped()) return;
      this.core = { state: "ready", info };
      // An event that arrived while appInfo was in flight is newer: keep it.
      if (this.eventsSeen === seenBefore) this.database = info.database;
      if (this.healthSeen === healthBefore) this.dispatcher = info.dispatcher;
    } catch (e) {
      if (isStopped()) return;
      this.core = { state: "unavailable", error: toAppError(e) };
    }
  }

  /** Asks databaseInfo again (fresh migration counts); a newer event wins over this answer. */
  async refreshDatabase(): Promise<void> {
    const seenBefore = this.eventsSeen;
    const result = await this.backend.databaseInfo();
    // Only once appInfo has answered: before that, its own status is as fresh; and an
    // unreachable core has no database status to report.
    if (this.eventsSeen !== seenBefore || this.core.state !== "ready") return;
    this.setDatabase(
      result.status === "ok" ? { status: "connected", info: result.data } : { status: "failed", error: result.error },
    );
  }

  setDatabase(status: DatabaseStatus): void {
    this.eventsSeen += 1;
    this.database = status;
  }

  setConnected(info: DatabaseInfo): void {
    this.setDatabase({ status: "connected", info });
  }
}

const APP_STATE_KEY = Symbol("flock.app-state");

export function setAppState(state: AppState): AppState {
  return setContext(APP_STATE_KEY, state);
}

export function getAppState(): AppState {
  const state = getContext<AppState | undefined>(APP_STATE_KEY);
  if (!state) throw new Error("No AppState in context: render the component inside <App>.");
  return state;
}
