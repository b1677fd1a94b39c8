import { describe, expect, it } from "vitest";
import type { AccountView } from "./api";
import { MemoryBackend, sampleAccount } from "./api.memory";
import { AccountStore } from "./accounts.svelte";

const flush = () => new Promise((r) => setTimeout(r, 0));

/** A backend whose listAccounts answers only when the test says so, with what the core had when asked. */
function gatedBackend(accounts: AccountView[]) {
  const backend = new MemoryBackend({ accounts });
  const gates: (() => void)[] = [];
  backend.listAccounts = () => {
    const snapshot = structuredClone(backend.accounts);
    return new Promise((resolve) => gates.push(() => resolve({ status: "ok", data: snapshot })));
  };
  /** The i-th listAccounts call answers now. */
  const answer = async (i = 0) => {
    gates[i]();
    await flush();
  };
  return { backend, answer };
}

describe("AccountStore", () => {
  it("applies events that arrive while listAccounts is in flight over its (older) answer", async () => {
    const { backend, answer } = gatedBackend([sampleAccount({ id: 1, state: "syncing" }), sampleAccount({ id: 2 })]);
    const store = new AccountStore(backend);
    store.start();
    await flush();
    expect(store.load).toBe("loading");
    // While the list is on its way: account 1 becomes active, 2 is removed, 3 is added, 3 gets a QR.
    backend.update(1, { state: "active", phone: "+919800000001" });
    backend.emitAccountChanged({ event: "removed", id: 2 });
    backend.emitAccountChanged({ event: "changed", account: sampleAccount({ id: 3, state: "waiting_for_scan" }) });
    backend.showQr(3, "2@q,r,s,t");
    await answer();
    expect(store.load).toBe("ready");
    expect(store.accounts.map((a) => [a.id, a.state])).toEqual([
      [1, "active"],
      [3, "waiting_for_scan"],
    ]);
    expect(store.get(1)?.phone).toBe("+919800000001");
    expect(store.get(3)?.qr?.payload).toBe("2@q,r,s,t");
    store.stop();
    expect(backend.accountListenerCount).toBe(0);
  });

  it("keeps only the newest of two overlapping refreshes", async () => {
    const { backend, answer } = gatedBackend([sampleAccount({ id: 1, name: "old" })]);
    const store = new AccountStore(backend);
    store.start(); // refresh #0 sees "old"
    await flush();
    backend.update(1, { name: "new" }, { silent: true });
    void store.refresh(); // refresh #1 sees "new"
    await answer(1);
    expect(store.get(1)?.name).toBe("new");
    expect(store.refreshing).toBe(true);
    await answer(0); // the older answer arrives last: ignored
    expect(store.get(1)?.name).toBe("new");
    expect(store.refreshing).toBe(false);
    store.stop();
  });

  it("reloads the list when the database changes (a new account service)", async () => {
    const backend = new MemoryBackend({ accounts: [sampleAccount({ id: 1 })] });
    const store = new AccountStore(backend);
    store.start();
    store.start(); // idempotent
    await flush();
    expect(store.accounts.map((a) => a.id)).toEqual([1]);
    backend.accounts = [sampleAccount({ id: 5 })];
    backend.emitDatabaseChanged({ status: (await backend.appInfo()).database });
    await flush();
    expect(store.accounts.map((a) => a.id)).toEqual([5]);
    expect(backend.callsOf("listAccounts")).toHaveLength(2);
    store.stop();
    expect(backend.listenerCount).toBe(0);
  });

  it("loads the list again when the core says account events were lost", async () => {
    const backend = new MemoryBackend({ accounts: [sampleAccount({ id: 1, state: "syncing" })] });
    const store = new AccountStore(backend);
    store.start();
    await flush();
    // Two changes whose events never reached the window (the core's channel lagged).
    backend.update(1, { state: "active", phone: "+919800000001" }, { silent: true });
    backend.emitAccountChanged({ event: "changed", account: sampleAccount({ id: 2, name: "B" }) }, { silent: true });
    expect(store.accounts.map((a) => [a.id, a.state])).toEqual([[1, "syncing"]]);

    backend.emitResyncNeeded({ what: "accounts", missed: 2 });
    await flush();
    expect(store.accounts.map((a) => [a.id, a.state])).toEqual([
      [1, "active"],
      [2, "new"],
    ]);
    expect(backend.callsOf("listAccounts")).toHaveLength(2);
    store.stop();
    expect(backend.resyncListenerCount).toBe(0);
  });

  it("ignores qr and pairing-code events for accounts it does not know", async () => {
    const backend = new MemoryBackend({ accounts: [sampleAccount({ id: 1 })] });
    const store = new AccountStore(backend);
    store.start();
    await flush();
    store.apply({ event: "qr", id: 99, payload: "p", svg: "<svg/>" });
    store.apply({ event: "pairingCode", id: 99, code: "ABCDEFGH" });
    store.apply({ event: "pairingCode", id: 1, code: "ABCDEFGH" });
    expect(store.accounts).toHaveLength(1);
    expect(store.get(1)?.pairingCode).toBe("ABCDEFGH");
    store.stop();
  });
});
