import { fireEvent, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import type { LogQuery } from "../../lib/api";
import { MemoryBackend } from "../../lib/api.memory";
import { nav, renderApp, text } from "../../test/render";
import { logEntry, logPage, TODAY, YESTERDAY } from "./log-fixtures";
import { linesPerMinute } from "./log-format";
import { lineMatches } from "./log-view.svelte";

const FIRST_QUERY: LogQuery = { file: null, before: null, limit: 1000, minLevel: null, search: null };

function backendWith(pages: (q: LogQuery) => ReturnType<typeof logPage>) {
  const backend = new MemoryBackend();
  backend.logs = {
    path: "/data/flock/logs",
    files: [
      { name: TODAY, date: "2026-12-01", size: 500 },
      { name: YESTERDAY, date: "2026-11-30", size: 900 },
    ],
    liveError: null,
  };
  backend.answers.readLog = pages;
  return backend;
}

const THREE = [
  logEntry(0, "Flock starting"),
  logEntry(1, "account state", "info", { account: "3", to: "active" }),
  logEntry(2, "health: the page did not answer", "warn", { account: "3" }),
];

async function openLogs(backend: MemoryBackend) {
  await renderApp(backend);
  await fireEvent.click(nav("logs"));
  await waitFor(() => expect(backend.callsOf("readLog").length).toBeGreaterThan(0));
  await waitFor(() => expect(screen.queryByText("Reading the log…")).toBeNull());
}

function messages(): string[] {
  return screen.getAllByTestId("log-message").map((m) => (m.firstChild?.textContent ?? "").trim());
}

describe("logs page", () => {
  it("shows the newest lines the core read, the masking note and the folder", async () => {
    const backend = backendWith(() => logPage(THREE));
    await openLogs(backend);
    expect(backend.callsOf("readLog")).toEqual([[FIRST_QUERY]]);
    expect(messages()).toEqual(["Flock starting", "account state", "health: the page did not answer"]);
    const warn = screen.getAllByTestId("log-row")[2];
    expect(warn.dataset.level).toBe("warn");
    expect(warn.textContent).toContain("accounts::persist");
    expect(warn.textContent).toContain("account=3");
    expect(text("log-privacy")).toContain("full phone numbers are not written to the log");
    expect(text("log-privacy")).toContain("+91••••••01");
    expect(text("log-dir")).toBe("/data/flock/logs");
    expect(text("log-summary")).toBe("3 lines");
  });

  it("adds the lines the core pushes, once each, and only the newest day's", async () => {
    const backend = backendWith(() => logPage(THREE));
    await openLogs(backend);
    backend.emitLogLines({ file: TODAY, entries: [THREE[2], logEntry(3, "dispatcher started")] });
    await waitFor(() => expect(messages()).toHaveLength(4));
    expect(messages()[3]).toBe("dispatcher started");
    // An older day's file (the tail finishing yesterday's last lines) is not this view's.
    backend.emitLogLines({ file: YESTERDAY, entries: [logEntry(9, "late line of yesterday")] });
    await Promise.resolve();
    expect(messages()).toHaveLength(4);
    // Midnight: the new day starts a fresh view.
    backend.emitLogLines({ file: "flock.2026-12-02.log", entries: [logEntry(0, "first of the new day")] });
    await waitFor(() => expect(messages()).toEqual(["first of the new day"]));
  });

  it("asks the core for the level and text chosen, and filters pushed lines the same way", async () => {
    const backend = backendWith((q) => (q.minLevel === "warn" ? logPage([THREE[2]]) : logPage(THREE)));
    await openLogs(backend);
    await fireEvent.change(screen.getByTestId("log-level"), { target: { value: "warn" } });
    await waitFor(() => expect(messages()).toEqual(["health: the page did not answer"]));
    expect(backend.callsOf("readLog").at(-1)).toEqual([{ ...FIRST_QUERY, minLevel: "warn" }]);
    expect(text("log-summary")).toBe("1 line matching the filter");
    backend.emitLogLines({ file: TODAY, entries: [logEntry(5, "quiet info"), logEntry(6, "cannot store", "error")] });
    await waitFor(() => expect(messages()).toEqual(["health: the page did not answer", "cannot store"]));

    vi.useFakeTimers();
    try {
      const search = screen.getByTestId("log-search") as HTMLInputElement;
      await fireEvent.input(search, { target: { value: "acc" } });
      await fireEvent.input(search, { target: { value: "account" } });
      expect(backend.callsOf("readLog")).toHaveLength(2);
      await vi.advanceTimersByTimeAsync(300);
    } finally {
      vi.useRealTimers();
    }
    expect(backend.callsOf("readLog").slice(2)).toEqual([[{ ...FIRST_QUERY, minLevel: "warn", search: "account" }]]);
  });

  it("loads earlier lines from where the page started", async () => {
    const older = [logEntry(0, "older 0"), logEntry(1, "older 1")];
    const newer = [logEntry(2, "newer 2"), logEntry(3, "newer 3")];
    const backend = backendWith((q) => (q.before === 200 ? logPage(older) : logPage(newer, { more: true })));
    await openLogs(backend);
    await fireEvent.click(screen.getByTestId("log-earlier"));
    await waitFor(() => expect(messages()).toEqual(["older 0", "older 1", "newer 2", "newer 3"]));
    expect(backend.callsOf("readLog")[1]).toEqual([{ ...FIRST_QUERY, before: 200 }]);
    expect(screen.queryByTestId("log-earlier")).toBeNull();
  });

  it("reads an earlier day without following it", async () => {
    const backend = backendWith((q) => (q.file === YESTERDAY ? logPage([logEntry(0, "yesterday")], { file: YESTERDAY }) : logPage(THREE)));
    await openLogs(backend);
    await fireEvent.change(screen.getByTestId("log-day"), { target: { value: YESTERDAY } });
    await waitFor(() => expect(messages()).toEqual(["yesterday"]));
    expect((screen.getByTestId("log-follow") as HTMLInputElement).disabled).toBe(true);
    backend.emitLogLines({ file: TODAY, entries: [logEntry(7, "live today")] });
    await Promise.resolve();
    expect(messages()).toEqual(["yesterday"]);
    expect(text("log-summary")).toContain("an earlier day: not live");
  });

  it("keeps only the rows in view in the page for thousands of lines", async () => {
    const many = Array.from({ length: 5000 }, (_, i) => logEntry(i, `line ${i}`));
    const backend = backendWith(() => logPage(many));
    await openLogs(backend);
    expect(text("log-summary")).toBe("5,000 lines");
    const rows = screen.getAllByTestId("log-row").length;
    expect(rows).toBeGreaterThan(0);
    expect(rows).toBeLessThan(100);
  });

  it("pauses following when the user scrolls up and resumes on 'jump to latest'", async () => {
    const many = Array.from({ length: 200 }, (_, i) => logEntry(i, `line ${i}`));
    const backend = backendWith(() => logPage(many));
    await openLogs(backend);
    const scroller = screen.getByTestId("log-scroller");
    Object.defineProperty(scroller, "clientHeight", { configurable: true, value: 480 });
    Object.defineProperty(scroller, "scrollHeight", { configurable: true, value: 200 * 24 });
    const follow = screen.getByTestId("log-follow") as HTMLInputElement;
    expect(follow.checked).toBe(true);
    scroller.scrollTop = 1000;
    await fireEvent.scroll(scroller);
    await waitFor(() => expect(follow.checked).toBe(false));
    backend.emitLogLines({ file: TODAY, entries: [logEntry(200, "new a"), logEntry(201, "new b")] });
    await waitFor(() => expect(text("log-jump")).toBe("2 new lines: jump to latest"));
    await fireEvent.click(screen.getByTestId("log-jump"));
    await waitFor(() => expect(follow.checked).toBe(true));
    expect(scroller.scrollTop).toBe(200 * 24);
    expect(screen.queryByTestId("log-jump")).toBeNull();
  });

  it("shows a line's details when it is picked", async () => {
    const backend = backendWith(() => logPage(THREE));
    await openLogs(backend);
    await fireEvent.click(screen.getAllByTestId("log-row")[1]);
    expect(text("log-details")).toContain("flock_core::accounts::persist");
    expect(text("log-details")).toContain("to active");
  });

  it("opens the log folder through the core and shows why it could not", async () => {
    const backend = backendWith(() => logPage(THREE));
    await openLogs(backend);
    await fireEvent.click(screen.getByTestId("open-log-folder"));
    expect(backend.callsOf("openLogFolder")).toEqual([[]]);
    expect(screen.queryByTestId("open-log-folder-error")).toBeNull();
    backend.failures.openLogFolder = { kind: "internal", message: "no file manager", fix: "Open it by hand" };
    await fireEvent.click(screen.getByTestId("open-log-folder"));
    await waitFor(() => expect(text("open-log-folder-error")).toContain("no file manager"));
  });

  it("stops listening when the page is left", async () => {
    const backend = backendWith(() => logPage(THREE));
    await openLogs(backend);
    expect(backend.logListenerCount).toBe(1);
    await fireEvent.click(nav("dashboard"));
    expect(backend.logListenerCount).toBe(0);
  });

  it("says so when the core cannot follow the folder live", async () => {
    const backend = backendWith(() => logPage(THREE));
    backend.logs.liveError = { kind: "internal", message: "cannot follow the log folder", fix: "Reopen the Logs page" };
    await openLogs(backend);
    expect(text("log-live-error")).toContain("cannot follow the log folder");
  });
});

describe("the live filter", () => {
  const line = logEntry(0, "Campaign moved", "warn", { to: "paused" }, "flock_core::dispatch::flow").line;
  it("keeps lines at or above the level", () => {
    expect(lineMatches(line, { minLevel: "info", search: "" })).toBe(true);
    expect(lineMatches(line, { minLevel: "warn", search: "" })).toBe(true);
    expect(lineMatches(line, { minLevel: "error", search: "" })).toBe(false);
  });
  it("finds the text in any case in the message, the module or a field", () => {
    for (const search of ["campaign", " MOVED ", "dispatch", "paused", "to"]) {
      expect(lineMatches(line, { minLevel: null, search }), search).toBe(true);
    }
    expect(lineMatches(line, { minLevel: null, search: "running" })).toBe(false);
  });
});

describe("settings: desktop notifications", () => {
  it("shows the setting and turns it off and on", async () => {
    const backend = new MemoryBackend();
    await renderApp(backend);
    await fireEvent.click(nav("settings"));
    const toggle = (await screen.findByTestId("notifications-toggle")) as HTMLInputElement;
    await waitFor(() => expect(toggle.disabled).toBe(false));
    expect(toggle.checked).toBe(true);
    await fireEvent.click(toggle);
    await waitFor(() => expect(backend.callsOf("setNotificationsEnabled")).toEqual([[false]]));
    expect(backend.notifications).toBe(false);
    await waitFor(() => expect(toggle.checked).toBe(false));
  });

  it("shows why the setting could not be saved", async () => {
    const backend = new MemoryBackend();
    backend.failures.setNotificationsEnabled = { kind: "internal", message: "cannot save the settings file", fix: "Check the disk" };
    await renderApp(backend);
    await fireEvent.click(nav("settings"));
    const toggle = (await screen.findByTestId("notifications-toggle")) as HTMLInputElement;
    await waitFor(() => expect(toggle.disabled).toBe(false));
    await fireEvent.click(toggle);
    await waitFor(() => expect(text("notifications-error")).toContain("cannot save the settings file"));
  });
});

describe("logs page: keyboard", () => {
  it("is one tab stop whose arrow keys pick a line, and Escape lets it go", async () => {
    const backend = backendWith(() => logPage(THREE));
    await openLogs(backend);
    const scroller = screen.getByTestId("log-scroller");
    expect(scroller.tabIndex).toBe(0);
    expect(screen.getAllByTestId("log-row").every((r) => r.tabIndex === -1)).toBe(true);
    scroller.focus();
    await fireEvent.keyDown(scroller, { key: "End" });
    expect(text("log-details")).toContain("health: the page did not answer");
    await fireEvent.keyDown(scroller, { key: "ArrowUp" });
    expect(text("log-details")).toContain("account state");
    await fireEvent.keyDown(scroller, { key: "Home" });
    expect(text("log-details")).toContain("Flock starting");
    await fireEvent.keyDown(scroller, { key: "ArrowUp" });
    expect(text("log-details")).toContain("Flock starting");
    await fireEvent.keyDown(scroller, { key: "Escape" });
    expect(screen.queryByTestId("log-details")).toBeNull();
  });
});

describe("lines per minute", () => {
  it("counts the lines of each of the last minutes up to the newest line", () => {
    const at = (time: string) => ({ line: { time } });
    const { labels, values } = linesPerMinute(
      [at("2026-12-01T09:00:10Z"), at("2026-12-01T10:57:01Z"), at("2026-12-01T10:59:59Z"), at("2026-12-01T10:59:00Z"), { line: { time: null } }],
      3,
    );
    expect(values).toEqual([1, 0, 2]);
    expect(labels).toHaveLength(3);
    expect(linesPerMinute([])).toEqual({ labels: [], values: [] });
  });

  it("is drawn beside the line count, with its numbers for screen readers", async () => {
    const backend = backendWith(() => logPage(THREE));
    await openLogs(backend);
    expect(screen.getByRole("img", { name: /Lines per minute/ })).toBeTruthy();
    const cells = [...screen.getByTestId("log-rate-chart-table").querySelectorAll("tbody td")].map((c) => c.textContent);
    expect(cells.slice(-1)).toEqual(["3"]);
  });
});
