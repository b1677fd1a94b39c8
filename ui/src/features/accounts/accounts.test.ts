import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import type { AppError } from "../../lib/api";
import { MemoryBackend, fakeQrSvg, sampleAccount } from "../../lib/api.memory";
import { currentPage, nav, renderApp, text } from "../../test/render";

async function openAccounts(backend: MemoryBackend) {
  await renderApp(backend);
  await fireEvent.click(nav("accounts"));
  expect(currentPage()).toBe("accounts");
  await waitFor(() => expect(screen.queryByTestId("accounts-loading")).toBeNull());
  return backend;
}

function rows(): HTMLElement[] {
  return screen.queryAllByTestId("account-row");
}

function row(id: number): HTMLElement {
  const el = document.querySelector<HTMLElement>(`[data-testid="account-row"][data-account-id="${id}"]`);
  if (!el) throw new Error(`no account row ${id}; rows: ${rows().map((r) => r.dataset.accountId).join(", ")}`);
  return el;
}

function inRow(id: number, testid: string): HTMLElement {
  return within(row(id)).getByTestId(testid);
}

function rowText(id: number, testid: string): string {
  return (inRow(id, testid).textContent ?? "").replace(/\s+/g, " ").trim();
}

function nameInput(): HTMLInputElement {
  return screen.getByTestId("account-name-input") as HTMLInputElement;
}

async function addAccount(name: string, pairingPhone?: string) {
  await fireEvent.click(screen.getByTestId("add-account"));
  await fireEvent.input(nameInput(), { target: { value: name } });
  if (pairingPhone !== undefined) {
    await fireEvent.click(screen.getByTestId("add-account-method-pairing"));
    const phone = await screen.findByTestId("add-account-phone-input");
    await fireEvent.input(phone, { target: { value: pairingPhone } });
  }
  await fireEvent.click(screen.getByTestId("add-account-submit"));
}

describe("accounts page", () => {
  it("says so when there are no accounts", async () => {
    const backend = await openAccounts(new MemoryBackend());
    expect(text("accounts-empty")).toContain("No accounts yet.");
    expect(rows()).toHaveLength(0);
    expect(backend.callsOf("listAccounts")).toHaveLength(1);
  });

  it("adds an account, shows its live QR, replaces it on a new QR, and turns active with the number without reloading", async () => {
    const backend = await openAccounts(new MemoryBackend());
    await addAccount("  Sales 1 ");

    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(backend.callsOf("addAccount")).toEqual([["Sales 1"]]);
    expect(backend.callsOf("linkAccount")).toEqual([[1, { method: "qr" }]]);
    expect(screen.queryByTestId("add-account-form")).toBeNull();

    const r = row(1);
    expect(rowText(1, "account-name")).toBe("Sales 1");
    expect(r.dataset.state).toBe("waiting_for_scan");
    expect(rowText(1, "account-status")).toBe("Waiting for scan");
    const qr = await waitFor(() => inRow(1, "account-qr"));
    const first = backend.account(1)!.qr!.payload;
    expect(qr.dataset.qrPayload).toBe(first);
    expect(qr.querySelector("svg")?.getAttribute("data-fake-qr")).toBe(first);
    expect(qr.innerHTML).not.toContain("<?xml");
    expect(rowText(1, "qr-instructions")).toContain("WhatsApp → Settings → Linked devices → Link a device");
    // Not in demo mode: no simulated scan.
    expect(within(r).queryByTestId("demo-scan")).toBeNull();

    // The QR rotates: the new one replaces the old one in place.
    backend.showQr(1, "2@second-ref,k,i,a");
    await waitFor(() => expect(inRow(1, "account-qr").dataset.qrPayload).toBe("2@second-ref,k,i,a"));
    expect(within(row(1)).getAllByTestId("account-qr")).toHaveLength(1);
    expect(inRow(1, "account-qr").querySelector("svg")?.getAttribute("data-fake-qr")).toBe("2@second-ref,k,i,a");

    // The phone scans: syncing, then active with the number read from the session.
    backend.scan(1, "+919800000001", { sync: false });
    await waitFor(() => expect(row(1).dataset.state).toBe("syncing"));
    expect(rowText(1, "account-status")).toBe("Syncing…");
    expect(rowText(1, "account-syncing")).toContain("Loading chats…");
    expect(within(row(1)).getByRole("progressbar")).toBeTruthy();
    expect(within(row(1)).queryByTestId("account-qr")).toBeNull();

    backend.finishSync(1, "+919800000001", "Ravi");
    await waitFor(() => expect(row(1).dataset.state).toBe("active"));
    expect(rowText(1, "account-status")).toBe("Active");
    expect(rowText(1, "account-phone")).toBe("+919800000001");
    expect(rowText(1, "account-profile")).toBe("Ravi");
    expect(rowText(1, "account-memory")).toBe("180 MB");
    expect(rowText(1, "account-last-seen")).toBe("just now");
    expect(within(row(1)).queryByTestId("account-syncing")).toBeNull();
    expect(within(row(1)).queryByTestId("account-reason")).toBeNull();
    // Live from events alone: the list was asked once.
    expect(backend.callsOf("listAccounts")).toHaveLength(1);
    expect(text("accounts-summary")).toBe("1 account, 1 active");
  });

  it("links with a pairing code and shows the code big, in two groups", async () => {
    const backend = await openAccounts(new MemoryBackend());
    await addAccount("Support", "+91 98765 43210");
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(backend.callsOf("linkAccount")).toEqual([[1, { method: "pairingCode", phone: "+91 98765 43210" }]]);
    const code = await waitFor(() => inRow(1, "pairing-code"));
    expect(code.dataset.code).toBe("K7QW2M9X");
    expect(code.textContent?.replace(/\s+/g, "")).toBe("K7QW-2M9X");
    expect([...code.querySelectorAll(".group")].map((g) => g.textContent)).toEqual(["K7QW", "2M9X"]);
    expect(rowText(1, "pairing-instructions")).toContain("Link with phone number instead");
    expect(within(row(1)).queryByTestId("account-qr")).toBeNull();

    // A fresh code replaces it.
    backend.showPairingCode(1, "ABCDEFGH");
    await waitFor(() => expect(inRow(1, "pairing-code").dataset.code).toBe("ABCDEFGH"));
  });

  it("does not submit a pairing-code link without a phone number", async () => {
    const backend = await openAccounts(new MemoryBackend());
    await fireEvent.click(screen.getByTestId("add-account"));
    await fireEvent.input(nameInput(), { target: { value: "Support" } });
    await fireEvent.click(screen.getByTestId("add-account-method-pairing"));
    const submit = screen.getByTestId("add-account-submit") as HTMLButtonElement;
    expect(submit.disabled).toBe(true);
    await fireEvent.input(screen.getByTestId("add-account-phone-input"), { target: { value: "+91 98765 43210" } });
    expect(submit.disabled).toBe(false);
    expect(backend.callsOf("addAccount")).toHaveLength(0);
  });

  it("says when a bridge.js from the data folder replaces the built-in one, with its sha256", async () => {
    const sha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    await openAccounts(
      new MemoryBackend({ appInfo: { bridgeOverride: { path: "/data/flock/bridge.js", sha256, bytes: 3 } } }),
    );
    expect(text("accounts-bridge-override")).toContain("/data/flock/bridge.js");
    expect(text("accounts-bridge-sha256")).toBe(sha256);
  });

  it("shows no bridge note with the built-in bridge", async () => {
    await openAccounts(new MemoryBackend());
    expect(screen.queryByTestId("accounts-bridge-override")).toBeNull();
  });

  it("names what an active account's WhatsApp Web lacks, and shows nothing when it lacks nothing", async () => {
    const backend = new MemoryBackend({
      accounts: [
        sampleAccount({
          id: 3,
          state: "active",
          phone: "+919800000001",
          capabilities: {
            version: "2.3000.1012345678",
            available: ["login_qr", "identity", "groups", "send_text", "acks", "inbound", "lookup"],
            missing: [
              {
                capability: "send_media",
                internals: ["WAWebPrepRawMedia"],
                reason: "Media sending unavailable: WhatsApp Web 2.3000.1012345678 lacks WAWebPrepRawMedia",
              },
            ],
          },
        }),
        sampleAccount({
          id: 4,
          state: "active",
          phone: "+919800000002",
          capabilities: { version: "2.3000.1012345678", available: ["send_text", "send_media"], missing: [] },
        }),
      ],
    });
    await openAccounts(backend);
    const item = inRow(3, "account-missing-capability");
    expect(item.dataset.capability).toBe("send_media");
    expect(item.textContent).toContain("lacks WAWebPrepRawMedia");
    expect(rowText(3, "account-missing-capabilities")).toContain("(2.3000.1012345678)");
    expect(within(row(4)).queryByTestId("account-missing-capabilities")).toBeNull();
    // Still active: a missing feature is not a broken account.
    expect(rowText(3, "account-status")).toBe("Active");
  });

  it("shows a failed account's reason and fix in plain words", async () => {
    const backend = new MemoryBackend({
      accounts: [
        sampleAccount({
          id: 7,
          name: "Sales 2",
          state: "failed",
          reason: "The browser stopped while linking (killed)",
          fix: "Click Link to try again",
        }),
        sampleAccount({ id: 8, name: "Ops", state: "active", phone: "+919800000002", reason: "old note", fix: null }),
      ],
    });
    await openAccounts(backend);
    expect(row(7).dataset.state).toBe("failed");
    expect(rowText(7, "account-status")).toBe("Failed");
    expect(rowText(7, "account-reason")).toBe("The browser stopped while linking (killed)");
    expect(rowText(7, "account-fix")).toBe("Click Link to try again");
    expect(rowText(7, "account-reason-line")).toContain("What to do: Click Link to try again");
    expect(within(row(7)).getByTestId("account-link").textContent?.trim()).toBe("Link");
    // An active account shows no reason, and offers Log out instead of Link.
    expect(within(row(8)).queryByTestId("account-reason")).toBeNull();
    expect(within(row(8)).queryByTestId("account-link")).toBeNull();
    expect(within(row(8)).getByTestId("account-logout")).toBeTruthy();
  });

  it("while a QR is on screen, its instructions replace the fix, and the deadline is shown", async () => {
    const deadline = "2026-11-26T10:41:30Z";
    const backend = new MemoryBackend({
      accounts: [
        sampleAccount({
          id: 1,
          state: "waiting_for_scan",
          reason: "Waiting for the QR code to be scanned",
          fix: "On the phone: WhatsApp, Settings, Linked devices, Link a device",
          deadline,
          qr: { payload: "2@a,b,c,d", svg: fakeQrSvg("2@a,b,c,d") },
        }),
      ],
    });
    await openAccounts(backend);
    expect(rowText(1, "account-reason")).toBe("Waiting for the QR code to be scanned");
    expect(within(row(1)).queryByTestId("account-fix")).toBeNull();
    expect(rowText(1, "link-deadline")).toContain(new Date(deadline).toLocaleTimeString());
    // The QR goes away (the phone is slow): the fix is back.
    backend.update(1, { qr: null });
    await waitFor(() => expect(rowText(1, "account-fix")).toContain("Linked devices"));
    expect(within(row(1)).queryByTestId("account-qr")).toBeNull();
    expect(rowText(1, "link-starting")).toContain("Opening WhatsApp Web");
  });

  it("offers Reconnect for a failed account that was linked, which links again at once", async () => {
    const backend = new MemoryBackend({
      accounts: [
        sampleAccount({
          id: 6,
          state: "failed",
          phone: "+919800000006",
          reason: "The browser stopped (killed); restarting: gave up after 5 restarts",
          fix: "Click Reconnect to try again",
        }),
        sampleAccount({ id: 7, state: "failed", reason: "Cannot start the browser", fix: "Install Chromium" }),
      ],
    });
    await openAccounts(backend);
    expect(within(row(7)).queryByTestId("account-reconnect")).toBeNull();
    await fireEvent.click(inRow(6, "account-reconnect"));
    await waitFor(() => expect(row(6).dataset.state).toBe("waiting_for_scan"));
    expect(backend.callsOf("linkAccount")).toEqual([[6, { method: "qr" }]]);
    expect(within(row(6)).queryByTestId("link-form")).toBeNull();
  });

  it("labels every state in human words", async () => {
    const states = [
      ["new", "Not linked"],
      ["waiting_for_scan", "Waiting for scan"],
      ["syncing", "Syncing…"],
      ["active", "Active"],
      ["reconnecting", "Reconnecting…"],
      ["link_expired", "Link expired"],
      ["failed", "Failed"],
      ["logged_out", "Logged out"],
      ["restricted", "Restricted (sending paused)"],
    ] as const;
    const backend = new MemoryBackend({
      accounts: states.map(([state], i) => sampleAccount({ id: i + 1, state })),
    });
    await openAccounts(backend);
    expect(rows().map((r) => within(r).getByTestId("account-status").textContent)).toEqual(states.map(([, l]) => l));
    expect(rows().map((r) => r.dataset.state)).toEqual(states.map(([s]) => s));
  });

  it("removes an account only after confirming", async () => {
    const backend = new MemoryBackend({
      accounts: [sampleAccount({ id: 1, name: "Keep" }), sampleAccount({ id: 2, name: "Old phone" })],
    });
    await openAccounts(backend);

    await fireEvent.click(inRow(2, "account-remove"));
    const box = inRow(2, "confirm-box");
    expect(box.dataset.action).toBe("remove");
    expect(box.textContent).toContain("Remove “Old phone”?");
    await fireEvent.click(inRow(2, "confirm-no"));
    expect(within(row(2)).queryByTestId("confirm-box")).toBeNull();
    expect(backend.callsOf("removeAccount")).toHaveLength(0);

    await fireEvent.click(inRow(2, "account-remove"));
    await fireEvent.click(inRow(2, "confirm-yes"));
    await waitFor(() => expect(rows().map((r) => r.dataset.accountId)).toEqual(["1"]));
    expect(backend.callsOf("removeAccount")).toEqual([[2]]);
  });

  it("resets and logs out after confirming", async () => {
    const backend = new MemoryBackend({
      accounts: [sampleAccount({ id: 3, name: "Sales", state: "active", phone: "+919800000003", running: true })],
    });
    await openAccounts(backend);

    await fireEvent.click(inRow(3, "account-logout"));
    expect(inRow(3, "confirm-box").dataset.action).toBe("logout");
    await fireEvent.click(inRow(3, "confirm-yes"));
    await waitFor(() => expect(row(3).dataset.state).toBe("logged_out"));
    expect(rowText(3, "account-status")).toBe("Logged out");
    expect(backend.callsOf("logoutAccount")).toEqual([[3]]);

    await fireEvent.click(inRow(3, "account-reset"));
    expect(inRow(3, "confirm-box").dataset.action).toBe("reset");
    await fireEvent.click(inRow(3, "confirm-yes"));
    await waitFor(() => expect(row(3).dataset.state).toBe("new"));
    expect(within(row(3)).queryByTestId("confirm-box")).toBeNull();
    expect(backend.callsOf("resetAccount")).toEqual([[3]]);
  });

  it("keeps the typed name and shows the typed error when addAccount fails", async () => {
    const error: AppError = {
      kind: "database",
      message: "database is locked",
      fix: "Close other programs using the Flock database and try again.",
    };
    const backend = await openAccounts(new MemoryBackend());
    backend.failures.addAccount = error;
    await addAccount("Sales 3");

    const box = await screen.findByTestId("add-account-error");
    expect(box.dataset.kind).toBe("database");
    expect(box.querySelector('[data-field="kind"]')?.textContent).toBe("Database error");
    expect(box.querySelector('[data-field="message"]')?.textContent).toBe("database is locked");
    expect(box.querySelector('[data-field="fix"]')?.textContent).toContain(error.fix!);
    expect(nameInput().value).toBe("Sales 3");
    expect(backend.callsOf("linkAccount")).toHaveLength(0);
    expect(rows()).toHaveLength(0);

    // Fixed: the same click now works, with the same name.
    delete backend.failures.addAccount;
    await fireEvent.click(screen.getByTestId("add-account-submit"));
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(backend.callsOf("addAccount")).toEqual([["Sales 3"], ["Sales 3"]]);
    expect(screen.queryByTestId("add-account-form")).toBeNull();
  });

  it("when linking fails after adding, keeps the form and links the same account on retry", async () => {
    const backend = await openAccounts(new MemoryBackend());
    backend.failures.linkAccount = {
      kind: "invalid_input",
      message: '"12" is not a phone number with its country code',
      fix: "Enter the number with + and its country code, e.g. +91 98765 43210",
    };
    await addAccount("Support", "12");
    const box = await screen.findByTestId("add-account-error");
    expect(box.dataset.kind).toBe("invalid_input");
    expect(box.textContent).toContain("“Support” was added, but linking did not start");
    expect(box.textContent).toContain("Enter the number with + and its country code");
    expect(nameInput().value).toBe("Support");
    expect((screen.getByTestId("add-account-phone-input") as HTMLInputElement).value).toBe("12");
    expect(rows()).toHaveLength(1);

    delete backend.failures.linkAccount;
    await fireEvent.input(screen.getByTestId("add-account-phone-input"), { target: { value: "+919800000009" } });
    await fireEvent.click(screen.getByTestId("add-account-submit"));
    await waitFor(() => expect(screen.queryByTestId("add-account-form")).toBeNull());
    expect(backend.callsOf("addAccount")).toHaveLength(1);
    expect(backend.callsOf("linkAccount")).toEqual([
      [1, { method: "pairingCode", phone: "12" }],
      [1, { method: "pairingCode", phone: "+919800000009" }],
    ]);
    expect(rows()).toHaveLength(1);
  });

  it("shows a row action's error in the row and keeps the phone typed for Link", async () => {
    const backend = new MemoryBackend({
      accounts: [sampleAccount({ id: 4, name: "Expired", state: "link_expired", reason: "QR code expired", fix: "Click Link" })],
    });
    await openAccounts(backend);
    backend.failures.linkAccount = { kind: "browser", message: "Chromium not found", fix: "Install chromium" };
    await fireEvent.click(inRow(4, "account-link"));
    await fireEvent.click(inRow(4, "link-4-method-pairing"));
    await fireEvent.input(inRow(4, "link-4-phone-input"), { target: { value: "+919800000004" } });
    await fireEvent.click(inRow(4, "link-submit"));
    const box = await waitFor(() => inRow(4, "account-error"));
    expect(box.dataset.kind).toBe("browser");
    expect(box.textContent).toContain("Chromium not found");
    expect(box.textContent).toContain("Install chromium");
    expect((inRow(4, "link-4-phone-input") as HTMLInputElement).value).toBe("+919800000004");

    delete backend.failures.linkAccount;
    await fireEvent.click(inRow(4, "link-submit"));
    await waitFor(() => expect(row(4).dataset.state).toBe("waiting_for_scan"));
    expect(within(row(4)).queryByTestId("account-error")).toBeNull();
    expect(within(row(4)).queryByTestId("link-form")).toBeNull();
    expect(inRow(4, "pairing-code").dataset.code).toBe("K7QW2M9X");
  });

  it("shows and hides the account's browser", async () => {
    const backend = new MemoryBackend({ accounts: [sampleAccount({ id: 5, state: "active" })] });
    await openAccounts(backend);
    const button = inRow(5, "account-toggle-browser");
    expect(button.textContent?.trim()).toBe("Show browser");
    await fireEvent.click(button);
    await waitFor(() => expect(inRow(5, "account-toggle-browser").textContent?.trim()).toBe("Hide browser"));
    await fireEvent.click(inRow(5, "account-toggle-browser"));
    await waitFor(() => expect(inRow(5, "account-toggle-browser").textContent?.trim()).toBe("Show browser"));
    expect(backend.callsOf("setShowBrowser")).toEqual([
      [5, true],
      [5, false],
    ]);
  });

  it("in demo mode, 'Simulate phone scan' next to the QR links the account", async () => {
    const backend = new MemoryBackend({ appInfo: { demo: true } });
    await openAccounts(backend);
    expect(text("accounts-demo-note")).toContain("simulator");
    await addAccount("Demo 1");
    await waitFor(() => inRow(1, "account-qr"));
    await fireEvent.click(inRow(1, "demo-scan"));
    await waitFor(() => expect(row(1).dataset.state).toBe("active"));
    expect(rowText(1, "account-phone")).toBe("+919800000001");
    expect(backend.callsOf("demoScan")).toEqual([[1]]);
  });

  it("shows a demo scan error with its fix", async () => {
    const backend = new MemoryBackend({
      appInfo: { demo: true },
      accounts: [
        sampleAccount({ id: 1, state: "waiting_for_scan", qr: { payload: "2@a,b,c,d", svg: fakeQrSvg("2@a,b,c,d") } }),
      ],
    });
    await openAccounts(backend);
    backend.failures.demoScan = { kind: "conflict", message: "every demo phone is already linked", fix: "Remove a demo account first" };
    await fireEvent.click(inRow(1, "demo-scan"));
    const box = await waitFor(() => inRow(1, "account-error"));
    expect(box.textContent).toContain("every demo phone is already linked");
    expect(box.textContent).toContain("Remove a demo account first");
    expect(row(1).dataset.state).toBe("waiting_for_scan");
  });

  it("applies changes made elsewhere (other windows, the core) and removals", async () => {
    const backend = new MemoryBackend({ accounts: [sampleAccount({ id: 1, name: "A" })] });
    await openAccounts(backend);
    backend.emitAccountChanged({ event: "changed", account: sampleAccount({ id: 9, name: "From flockctl" }) });
    await waitFor(() => expect(rows().map((r) => r.dataset.accountId)).toEqual(["1", "9"]));
    backend.setState(1, "restricted", "WhatsApp limited messages to new contacts", "Wait until WhatsApp lifts the restriction");
    await waitFor(() => expect(rowText(1, "account-status")).toBe("Restricted (sending paused)"));
    expect(rowText(1, "account-fix")).toBe("Wait until WhatsApp lifts the restriction");
    backend.emitAccountChanged({ event: "removed", id: 9 });
    await waitFor(() => expect(rows().map((r) => r.dataset.accountId)).toEqual(["1"]));
    expect(backend.callsOf("listAccounts")).toHaveLength(1);
  });

  it("Refresh heals a missed event", async () => {
    const backend = new MemoryBackend({ accounts: [sampleAccount({ id: 1, name: "A", state: "syncing" })] });
    await openAccounts(backend);
    // The core changed, but the event never arrived (a lagged channel).
    backend.update(1, { state: "active", phone: "+919800000001" }, { silent: true });
    backend.emitAccountChanged({ event: "changed", account: sampleAccount({ id: 2, name: "B" }) }, { silent: true });
    expect(row(1).dataset.state).toBe("syncing");
    expect(rows()).toHaveLength(1);

    await fireEvent.click(screen.getByTestId("accounts-refresh"));
    await waitFor(() => expect(row(1).dataset.state).toBe("active"));
    expect(rowText(1, "account-phone")).toBe("+919800000001");
    expect(rows()).toHaveLength(2);
    expect(backend.callsOf("listAccounts")).toHaveLength(2);
  });

  it("shows why the list could not be loaded, and loads it on Refresh", async () => {
    const backend = new MemoryBackend({ accounts: [sampleAccount({ id: 1, name: "A" })] });
    backend.failures.listAccounts = { kind: "database", message: "no database", fix: "Choose a database in Settings" };
    await openAccounts(backend);
    expect(text("accounts-error")).toContain("no database");
    expect(text("accounts-error")).toContain("Choose a database in Settings");
    expect(rows()).toHaveLength(0);

    delete backend.failures.listAccounts;
    await fireEvent.click(screen.getByTestId("accounts-refresh"));
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(screen.queryByTestId("accounts-error")).toBeNull();
  });

  it("stays live across page changes without asking the list again", async () => {
    const backend = new MemoryBackend({ accounts: [sampleAccount({ id: 1, name: "A", state: "syncing" })] });
    await openAccounts(backend);
    await fireEvent.click(nav("settings"));
    backend.update(1, { state: "active", phone: "+919800000001" });
    await fireEvent.click(nav("accounts"));
    await waitFor(() => expect(row(1).dataset.state).toBe("active"));
    expect(backend.callsOf("listAccounts")).toHaveLength(1);
    expect(backend.accountListenerCount).toBe(1);
  });
});

describe("accounts: team mode", () => {
  it("shows where an account of another workstation runs, or since when its desk is offline", async () => {
    const expiresAt = "2026-12-02T10:42:00Z";
    await openAccounts(
      new MemoryBackend({
        accounts: [
          sampleAccount({ id: 1, name: "Here", state: "active", desk: { workstationId: "a", name: "Front desk", here: true, online: true, expiresAt } }),
          sampleAccount({ id: 2, name: "There", state: "active", desk: { workstationId: "b", name: "Back office", here: false, online: true, expiresAt } }),
          sampleAccount({ id: 3, name: "Gone", state: "active", desk: { workstationId: "c", name: "Laptop", here: false, online: false, expiresAt } }),
        ],
      }),
    );
    expect(within(row(1)).queryByTestId("account-desk")).toBeNull();
    expect(rowText(2, "account-desk")).toBe("Running on Back office");
    expect(rowText(3, "account-desk")).toBe(`Offline on Laptop since ${new Date(Date.parse(expiresAt)).toLocaleString()}`);
  });
});
