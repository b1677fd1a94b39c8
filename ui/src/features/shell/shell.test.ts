import { fireEvent, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { unavailableBackend } from "../../lib/api";
import { MemoryBackend } from "../../lib/api.memory";
import { PAGES } from "../../lib/pages";
import { currentPage, nav, renderApp, text } from "../../test/render";

const LABELS = ["Dashboard", "Accounts", "Groups", "Contacts", "Campaigns", "Inbox", "Settings", "Logs"];

describe("app shell", () => {
  it("shows the Flock header and all eight nav items in order", async () => {
    await renderApp();
    expect(screen.getByRole("banner").textContent).toContain("Flock");
    const items = [...document.querySelectorAll<HTMLElement>("nav [data-nav]")];
    expect(items.map((a) => a.textContent?.trim())).toEqual(LABELS);
    expect(items.map((a) => a.dataset.nav)).toEqual(LABELS.map((l) => l.toLowerCase()));
  });

  it("switches pages when a nav item is clicked, and marks it current", async () => {
    await renderApp();
    expect(currentPage()).toBe("dashboard");
    for (const label of LABELS) {
      const id = label.toLowerCase();
      await fireEvent.click(nav(id));
      expect(currentPage()).toBe(id);
      expect(screen.getByRole("heading", { level: 1 }).textContent).toBe(label);
      expect(nav(id).getAttribute("aria-current")).toBe("page");
      expect(window.location.hash).toBe(`#/${id}`);
    }
    expect(document.querySelectorAll('[aria-current="page"]')).toHaveLength(1);
  });

  it("follows the address bar (back / forward)", async () => {
    await renderApp();
    window.location.hash = "#/logs";
    window.dispatchEvent(new HashChangeEvent("hashchange"));
    await waitFor(() => expect(currentPage()).toBe("logs"));
    window.location.hash = "#/nonsense";
    window.dispatchEvent(new HashChangeEvent("hashchange"));
    await waitFor(() => expect(currentPage()).toBe("dashboard"));
  });

  it("has no page left that says it is not built", async () => {
    await renderApp();
    for (const { id } of PAGES) {
      await fireEvent.click(nav(id));
      expect(currentPage()).toBe(id);
      expect(screen.queryByTestId("not-built")).toBeNull();
    }
  });

  it("shows the database backend in the header chip, and keeps it live from databaseChanged", async () => {
    const backend = new MemoryBackend();
    await renderApp(backend);
    expect(text("db-chip")).toBe("SQLite");

    backend.emitDatabaseChanged({
      status: {
        status: "connected",
        info: { backend: "postgres", url: "postgres://flock:***@db:5432/flock", applied: 3, pending: 0, tables: [], password: null },
      },
    });
    await waitFor(() => expect(text("db-chip")).toBe("PostgreSQL"));

    backend.emitDatabaseChanged({
      status: { status: "failed", error: { kind: "database", message: "Connection refused", fix: null } },
    });
    await waitFor(() => expect(text("db-chip")).toBe("Database failed"));
  });

  it("says on every page that sending waits while the dispatcher cannot reach the database, live from dispatcherHealth", async () => {
    const backend = new MemoryBackend({
      appInfo: { dispatcher: { databaseError: "cannot reach the database: Connection refused; sending waits until it answers", unrecordedEvents: 0 } },
    });
    await renderApp(backend);
    expect(text("sending-chip")).toContain("Sending waits: database not answering");
    expect(screen.getByTestId("sending-chip").getAttribute("title")).toContain("Connection refused");
    for (const { id } of PAGES) {
      await fireEvent.click(nav(id));
      expect(screen.getByTestId("sending-chip")).toBeTruthy();
    }
    backend.emitDispatcherHealth({ databaseError: "cannot reach the database: Connection refused", unrecordedEvents: 3 });
    await waitFor(() => expect(text("sending-chip")).toContain("3 ack(s)/replies to record"));
    backend.emitDispatcherHealth({ databaseError: null, unrecordedEvents: 1 });
    await waitFor(() => expect(text("sending-chip")).toBe("Recording 1 ack(s)/replies"));
    backend.emitDispatcherHealth({ databaseError: null, unrecordedEvents: 0 });
    await waitFor(() => expect(screen.queryByTestId("sending-chip")).toBeNull());
  });

  it("stops listening to databaseChanged when the app is closed", async () => {
    const backend = new MemoryBackend();
    const { unmount } = await renderApp(backend);
    expect(backend.listenerCount).toBe(1);
    unmount();
    expect(backend.listenerCount).toBe(0);
  });

  it("shows a clear 'backend unavailable' state outside the desktop app instead of crashing", async () => {
    await renderApp(unavailableBackend());
    expect(text("db-chip")).toBe("Backend unavailable");
    const box = screen.getByTestId("backend-unavailable");
    expect(box.textContent).toContain("not running inside the Flock desktop app");
    expect(box.querySelector('[data-field="fix"]')?.textContent).toContain("npm run tauri dev");
    // Every page still renders.
    for (const label of LABELS) {
      await fireEvent.click(nav(label.toLowerCase()));
      expect(currentPage()).toBe(label.toLowerCase());
    }
  });
});
