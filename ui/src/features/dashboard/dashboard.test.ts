import { screen } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { MemoryBackend } from "../../lib/api.memory";
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
