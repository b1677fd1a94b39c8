import { describe, expect, it } from "vitest";
import type { AppInfo, DatabaseInfo } from "./api";
import { MemoryBackend } from "./api.memory";
import { AppState } from "./app-state.svelte";

const PG: DatabaseInfo = { backend: "postgres", url: "postgres://u:***@h/db", applied: 1, pending: 0, tables: [], password: null };

describe("AppState", () => {
  it("keeps a databaseChanged event that arrives while appInfo is in flight", async () => {
    const backend = new MemoryBackend();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const stale = await backend.appInfo(); // SQLite
    backend.appInfo = async (): Promise<AppInfo> => {
      await gate;
      return stale;
    };
    const state = new AppState(backend);
    const stop = state.start();
    await Promise.resolve();
    backend.emitDatabaseChanged({ status: { status: "connected", info: PG } });
    release();
    await new Promise((r) => setTimeout(r, 0));
    expect(state.core.state).toBe("ready");
    expect(state.database).toEqual({ status: "connected", info: PG });
    stop();
    expect(backend.listenerCount).toBe(0);
  });

  it("reads appInfo again when the core says events were lost", async () => {
    const backend = new MemoryBackend();
    const state = new AppState(backend);
    const stop = state.start();
    await new Promise((r) => setTimeout(r, 0));
    expect(state.core.state === "ready" && state.core.info.settingsProblems).toEqual([]);
    // Meanwhile the core's view changed without an event reaching this window.
    const problem = { kind: "invalid_input" as const, message: '"groups_resync_minutes" is "soon"', fix: "Correct it" };
    backend.info.settingsProblems = [problem];
    backend.status = { status: "connected", info: PG };
    backend.emitResyncNeeded({ what: "accounts", missed: 3 });
    await new Promise((r) => setTimeout(r, 0));
    expect(state.core.state === "ready" && state.core.info.settingsProblems).toEqual([problem]);
    expect(state.database).toEqual({ status: "connected", info: PG });
    stop();
    expect(backend.resyncListenerCount).toBe(0);
  });
});
