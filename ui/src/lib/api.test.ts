import { beforeEach, describe, expect, it, vi } from "vitest";
import type { DatabaseChanged, DatabaseInfo } from "./bindings";

// The Tauri implementation must only ever hand typed AppErrors to the UI, even
// when Tauri rejects with a plain string (unknown command, bad arguments).
const bindings = vi.hoisted(() => ({
  commands: {
    appInfo: vi.fn(),
    databaseInfo: vi.fn(),
    setDatabaseUrl: vi.fn(),
    listAccounts: vi.fn(),
    linkAccount: vi.fn(),
    setShowBrowser: vi.fn(),
    searchContacts: vi.fn(),
    importContactsCsv: vi.fn(),
  } as Record<string, ReturnType<typeof vi.fn>>,
  listen: vi.fn(),
  listenAccounts: vi.fn(),
  events: {} as Record<string, { listen: ReturnType<typeof vi.fn> }>,
}));
bindings.events.databaseChanged = { listen: bindings.listen };
bindings.events.accountChanged = { listen: bindings.listenAccounts };
bindings.events.resyncNeeded = { listen: vi.fn() };

vi.mock("./bindings", () => ({
  commands: bindings.commands,
  events: bindings.events,
}));

const { tauriBackend, toAppError, unavailableBackend } = await import("./api");

const INFO: DatabaseInfo = { backend: "sqlite", url: "sqlite://x.db", applied: 1, pending: 0, tables: ["a"], password: null };

describe("tauriBackend", () => {
  beforeEach(() => vi.clearAllMocks());

  it("passes typed results and the URL through", async () => {
    bindings.commands.setDatabaseUrl.mockResolvedValue({ status: "ok", data: INFO });
    await expect(tauriBackend().setDatabaseUrl("postgres://a@b/c")).resolves.toEqual({ status: "ok", data: INFO });
    expect(bindings.commands.setDatabaseUrl).toHaveBeenCalledWith("postgres://a@b/c");

    const error = { kind: "conflict", message: "busy", fix: "wait" };
    bindings.commands.databaseInfo.mockResolvedValue({ status: "error", error });
    await expect(tauriBackend().databaseInfo()).resolves.toEqual({ status: "error", error });
  });

  it("turns a plain-string error into an internal AppError", async () => {
    bindings.commands.databaseInfo.mockResolvedValue({ status: "error", error: "command database_info not found" });
    await expect(tauriBackend().databaseInfo()).resolves.toEqual({
      status: "error",
      error: { kind: "internal", message: "command database_info not found", fix: null },
    });
  });

  it("turns a thrown Error into an internal AppError instead of rejecting", async () => {
    bindings.commands.setDatabaseUrl.mockRejectedValue(new Error("IPC closed"));
    await expect(tauriBackend().setDatabaseUrl(null)).resolves.toEqual({
      status: "error",
      error: { kind: "internal", message: "IPC closed", fix: null },
    });
  });

  it("hands the event payload to the handler and returns the unlisten function", async () => {
    const unlisten = vi.fn();
    bindings.listen.mockImplementation(async (cb: (e: { payload: DatabaseChanged }) => void) => {
      cb({ payload: { status: { status: "connected", info: INFO } } });
      return unlisten;
    });
    const seen: DatabaseChanged[] = [];
    const stop = await tauriBackend().onDatabaseChanged((e) => seen.push(e));
    expect(seen).toEqual([{ status: { status: "connected", info: INFO } }]);
    stop();
    expect(unlisten).toHaveBeenCalledOnce();
  });
});

describe("tauriBackend accounts", () => {
  beforeEach(() => vi.clearAllMocks());

  it("passes the arguments through and types a plain-string error", async () => {
    bindings.commands.linkAccount.mockResolvedValue({ status: "ok", data: null });
    await expect(tauriBackend().linkAccount(3, { method: "pairingCode", phone: "+91 98" })).resolves.toEqual({
      status: "ok",
      data: null,
    });
    expect(bindings.commands.linkAccount).toHaveBeenCalledWith(3, { method: "pairingCode", phone: "+91 98" });

    bindings.commands.setShowBrowser.mockResolvedValue({ status: "error", error: "command set_show_browser not found" });
    await expect(tauriBackend().setShowBrowser(3, true)).resolves.toEqual({
      status: "error",
      error: { kind: "internal", message: "command set_show_browser not found", fix: null },
    });
    expect(bindings.commands.setShowBrowser).toHaveBeenCalledWith(3, true);

    bindings.commands.listAccounts.mockRejectedValue(new Error("IPC closed"));
    await expect(tauriBackend().listAccounts()).resolves.toEqual({
      status: "error",
      error: { kind: "internal", message: "IPC closed", fix: null },
    });
  });

  it("hands the account-changed payload to the handler", async () => {
    const unlisten = vi.fn();
    bindings.listenAccounts.mockImplementation(async (cb: (e: { payload: unknown }) => void) => {
      cb({ payload: { event: "pairingCode", id: 2, code: "ABCDEFGH" } });
      return unlisten;
    });
    const seen: unknown[] = [];
    const stop = await tauriBackend().onAccountChanged((e) => seen.push(e));
    expect(seen).toEqual([{ event: "pairingCode", id: 2, code: "ABCDEFGH" }]);
    stop();
    expect(unlisten).toHaveBeenCalledOnce();
  });
});

describe("tauriBackend resync-needed", () => {
  it("hands the event's payload to the handler and returns the unlisten function", async () => {
    const unlisten = vi.fn();
    bindings.events.resyncNeeded.listen.mockImplementation(async (cb: (e: { payload: unknown }) => void) => {
      cb({ payload: { what: "accounts", missed: 4 } });
      return unlisten;
    });
    const seen: unknown[] = [];
    const stop = await tauriBackend().onResyncNeeded((e) => seen.push(e));
    expect(seen).toEqual([{ what: "accounts", missed: 4 }]);
    stop();
    expect(unlisten).toHaveBeenCalledOnce();
  });
});

describe("tauriBackend contacts and groups", () => {
  beforeEach(() => vi.clearAllMocks());

  it("passes the query and import options through and types errors", async () => {
    const page = { items: [], total: 0, page: 2, pageSize: 200 };
    bindings.commands.searchContacts.mockResolvedValue({ status: "ok", data: page });
    await expect(tauriBackend().searchContacts({ tag: "vip", page: 2, pageSize: 200 })).resolves.toEqual({ status: "ok", data: page });
    expect(bindings.commands.searchContacts).toHaveBeenCalledWith({ tag: "vip", page: 2, pageSize: 200 });

    bindings.commands.importContactsCsv.mockRejectedValue("command import_contacts_csv not found");
    const options = { fileName: "a.csv", defaultCountry: "IN", mapping: null, hasHeaders: null };
    await expect(tauriBackend().importContactsCsv("YQ==", options)).resolves.toEqual({
      status: "error",
      error: { kind: "internal", message: "command import_contacts_csv not found", fix: null },
    });
    expect(bindings.commands.importContactsCsv).toHaveBeenCalledWith("YQ==", options);
  });

  it("offers group sync only when the bindings have syncGroups, and then forwards its progress event", async () => {
    const backend = tauriBackend();
    expect(backend.canSyncGroups()).toBe(false);
    const missing = await backend.syncGroups(null);
    expect(missing.status).toBe("error");
    const noop = await backend.onGroupsSyncProgress(() => {});
    noop();

    bindings.commands.syncGroups = vi.fn().mockResolvedValue({ status: "ok", data: { groups: 3 } });
    const unlisten = vi.fn();
    bindings.events.groupsSyncProgress = {
      listen: vi.fn(async (cb: (e: { payload: unknown }) => void) => {
        cb({ payload: { done: 1, total: 2, accountId: 4 } });
        return unlisten;
      }),
    };
    try {
      expect(backend.canSyncGroups()).toBe(true);
      await expect(backend.syncGroups(4)).resolves.toEqual({ status: "ok", data: { groups: 3 } });
      expect(bindings.commands.syncGroups).toHaveBeenCalledWith(4);
      const seen: unknown[] = [];
      const stop = await backend.onGroupsSyncProgress((e) => seen.push(e));
      expect(seen).toEqual([{ done: 1, total: 2, accountId: 4 }]);
      stop();
      expect(unlisten).toHaveBeenCalledOnce();
    } finally {
      delete bindings.commands.syncGroups;
      delete bindings.events.groupsSyncProgress;
    }
  });
});

describe("tauriBackend appInfo", () => {
  it("unwraps the command's result, and turns an error into a thrown one", async () => {
    const info = { version: "0.1.0", dataDir: "/d", logDir: "/d/logs", demo: false, database: { status: "connected", info: INFO } };
    bindings.commands.appInfo.mockResolvedValue({ status: "ok", data: info });
    await expect(tauriBackend().appInfo()).resolves.toEqual(info);
    bindings.commands.appInfo.mockResolvedValue({ status: "error", error: { kind: "internal", message: "state missing", fix: null } });
    await expect(tauriBackend().appInfo()).rejects.toThrow("state missing");
  });
});

describe("toAppError / unavailableBackend", () => {
  it("keeps a well-formed AppError and rejects an unknown kind", () => {
    const ok = { kind: "not_found", message: "m", fix: null };
    expect(toAppError(ok)).toBe(ok);
    expect(toAppError({ kind: "weird", message: "m", fix: null }).kind).toBe("internal");
  });

  it("fails every call with a structured error", async () => {
    const backend = unavailableBackend("no core");
    await expect(backend.appInfo()).rejects.toThrow("no core");
    const result = await backend.setDatabaseUrl(null);
    expect(result.status === "error" && result.error.message).toBe("no core");
    expect(result.status === "error" && result.error.fix).toMatch(/desktop app/);
  });
});
