import { screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { counts, MemoryBackend, sampleCampaignRow, sampleDashboard, sampleDays, sampleReply, sampleWeek } from "../../lib/api.memory";
import { renderApp, text } from "../../test/render";

describe("dashboard", () => {
  it("shows version, data folder, demo flag and database status from appInfo", async () => {
    await renderApp(new MemoryBackend({ appInfo: { version: "9.8.7", dataDir: "/data/flock", demo: true } }));
    expect(text("app-version")).toBe("9.8.7");
    expect(text("data-dir")).toBe("/data/flock");
    expect(text("demo-mode")).toMatch(/^On/);
    expect(text("dashboard-db")).toBe("Connected to SQLite: 3 migrations applied, 0 pending");
  });

  it("shows a failed database with its message and fix", async () => {
    await renderApp(
      new MemoryBackend({
        appInfo: {
          demo: false,
          database: { status: "failed", error: { kind: "database", message: "disk full", fix: "Free some space." } },
        },
      }),
    );
    expect(text("demo-mode")).toBe("Off");
    expect(text("dashboard-db-error")).toContain("disk full");
    expect(text("dashboard-db-error")).toContain("Free some space.");
  });

  it("shows every problem of settings.json with its key and fix", async () => {
    const problems = [
      {
        kind: "invalid_input" as const,
        message: '/d/settings.json: "groups_resync_minutes" is "soon"; expected a whole number of minutes',
        fix: 'Correct "groups_resync_minutes" in settings.json, or remove the key to use the default',
      },
      { kind: "invalid_input" as const, message: '/d/settings.json: "conflict_policy" is "fight"', fix: null },
    ];
    await renderApp(new MemoryBackend({ appInfo: { settingsProblems: problems } }));
    const boxes = screen.getAllByTestId("settings-problem");
    expect(boxes.map((b) => b.querySelector('[data-field="message"]')?.textContent)).toEqual(problems.map((p) => p.message));
    expect(boxes[0].querySelector('[data-field="fix"]')?.textContent).toContain("remove the key");
  });

  it("shows no settings box when settings.json is fine", async () => {
    await renderApp(new MemoryBackend());
    expect(screen.queryByTestId("settings-problem")).toBeNull();
  });

});

describe("dashboard figures", () => {
  const week = sampleWeek({ sent: 200, delivered: 180, read: 120, failed: 4, deliveryRate: 0.9, readRate: 0.6, replies: 12, optOuts: 2 });

  function backendWith(overrides: Parameters<typeof sampleDashboard>[0]) {
    const backend = new MemoryBackend();
    backend.dashboard.data = sampleDashboard(overrides);
    return backend;
  }

  it("shows the key figures, the 30-day chart and the campaigns under way", async () => {
    const backend = backendWith({
      accountsActive: 2,
      accountsTotal: 3,
      sentToday: 45,
      allowanceToday: 120,
      allowanceLeft: 75,
      week,
      unreadReplies: 3,
      optedOutTotal: 9,
      days: sampleDays({ "2026-12-02": { sent: 5, delivered: 20, read: 18, failed: 2 } }),
      campaigns: [
        sampleCampaignRow({ id: 7, name: "Pongal offer", status: "running", counts: counts({ pending: 40, sent: 30, delivered: 20, read: 10 }), eta: "about 14:20 today" }),
        sampleCampaignRow({ id: 8, name: "Old list", status: "paused", reason: "no account can send now", counts: counts({ pending: 5 }) }),
      ],
    });
    await renderApp(backend);
    await waitFor(() => expect(text("kpi-accounts")).toContain("2 of 3"));
    expect(text("kpi-today")).toContain("45 of 120");
    expect(text("kpi-today")).toContain("75 left");
    expect(text("kpi-delivery")).toContain("90%");
    expect(text("kpi-read")).toContain("60%");
    expect(text("kpi-replies")).toContain("12");
    expect(text("kpi-replies")).toContain("3 unread replies");
    expect(text("kpi-opt-outs")).toContain("9 people opted out");

    // The chart's numbers are in its table too: 30 days, the last one 2026-12-02's.
    const rows = screen.getByTestId("dashboard-chart-table").querySelectorAll("tbody tr");
    expect(rows).toHaveLength(30);
    expect([...rows[29].querySelectorAll("td")].map((td) => td.textContent)).toEqual(["18", "20", "5", "2"]);

    const campaigns = screen.getAllByTestId("dashboard-campaign");
    expect(campaigns.map((c) => c.querySelector('[data-field="name"]')?.textContent)).toEqual(["Pongal offer", "Old list"]);
    expect(campaigns[0].querySelector('[data-field="counts"]')?.textContent).toContain("60 of 100 done");
    expect(campaigns[0].querySelector("progress")?.getAttribute("value")).toBe("60");
    expect(campaigns[0].querySelector('[data-field="eta"]')?.textContent).toContain("about 14:20 today");
    expect(campaigns[1].textContent).toContain("Paused: no account can send now");
    expect(campaigns[0].querySelector("a")?.getAttribute("href")).toBe("#/campaigns/7");
  });

  it("links each alert to the page that fixes it", async () => {
    const backend = backendWith({
      alerts: [
        { kind: "account_logged_out", title: "Sales 2 is logged out", reason: "Logged out from the phone", fix: "Link it again on the Accounts page", accountId: 2, campaignId: null },
        { kind: "campaign_paused", title: "Campaign “Old list” is paused", reason: "no account can send now", fix: "It resumes by itself", accountId: null, campaignId: 8 },
      ],
    });
    await renderApp(backend);
    await waitFor(() => expect(screen.getAllByTestId("dashboard-alert")).toHaveLength(2));
    const [account, campaign] = screen.getAllByTestId("dashboard-alert");
    expect(account.textContent).toContain("Sales 2 is logged out: Logged out from the phone");
    expect(account.querySelector('[data-field="link"]')?.getAttribute("href")).toBe("#/accounts");
    expect(campaign.querySelector('[data-field="link"]')?.getAttribute("href")).toBe("#/campaigns/8");
  });

  it("says so when nothing was sent (no made-up rates) and has no alerts box", async () => {
    await renderApp(backendWith({}));
    await waitFor(() => expect(text("kpi-delivery")).toContain("–"));
    expect(screen.queryByTestId("dashboard-alerts")).toBeNull();
    expect(text("dashboard-campaigns")).toContain("No campaign is running or scheduled");
  });

  it("loads again when an account, a campaign or a reply changes (no polling)", async () => {
    const backend = backendWith({ accountsActive: 1, accountsTotal: 3 });
    await renderApp(backend);
    await waitFor(() => expect(text("kpi-accounts")).toContain("1 of 3"));
    const before = backend.dashboard.calls;
    backend.dashboard.data = sampleDashboard({ accountsActive: 2, accountsTotal: 3 });
    backend.emitAccountChanged({ event: "removed", id: 99 });
    await waitFor(() => expect(text("kpi-accounts")).toContain("2 of 3"), { timeout: 3000 });
    expect(backend.dashboard.calls).toBe(before + 1);

    backend.dashboard.data = sampleDashboard({ week: sampleWeek({ replies: 1 }) });
    backend.inbox.receive(sampleReply({ id: 1 }));
    await waitFor(() => expect(text("kpi-replies")).toMatch(/^Replies, 7 days 1/), { timeout: 3000 });
  });

  it("shows why the figures could not be loaded", async () => {
    const backend = new MemoryBackend();
    backend.dashboard.failure = { kind: "database", message: "database is locked", fix: "Try again" };
    await renderApp(backend);
    await waitFor(() => expect(text("dashboard-error")).toContain("database is locked"));
  });
});
