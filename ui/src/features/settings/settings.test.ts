import { fireEvent, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import type { AppError, DatabaseInfo } from "../../lib/api";
import { MemoryBackend, SQLITE_INFO } from "../../lib/api.memory";
import { currentPage, nav, renderApp, text } from "../../test/render";

const PG: DatabaseInfo = {
  backend: "postgres",
  url: "postgres://flock:***@db.internal:5432/flock",
  applied: 5,
  pending: 2,
  tables: ["accounts", "groups", "contacts", "campaigns", "messages", "seaql_migrations"],
  password: { kind: "keychain" },
};

async function openSettings(backend: MemoryBackend) {
  await renderApp(backend);
  await fireEvent.click(nav("settings"));
  expect(currentPage()).toBe("settings");
}

function urlInput(): HTMLInputElement {
  return screen.getByTestId("db-url-input") as HTMLInputElement;
}

describe("settings: database", () => {
  it("shows the SQLite database from the backend", async () => {
    await openSettings(new MemoryBackend());
    expect(text("db-backend")).toBe("SQLite");
    expect(text("db-url")).toBe("sqlite:///home/ana/.local/share/flock/flock.db");
    expect(text("db-migrations")).toBe("3 applied, 0 pending");
    expect(text("db-tables")).toBe("4 tables");
    expect(screen.queryByTestId("db-error")).toBeNull();
    expect(urlInput().placeholder).toBe("postgres://user:password@host:5432/flock");
  });

  it("labels PostgreSQL and shows the redacted URL and pending migrations", async () => {
    await openSettings(new MemoryBackend({ appInfo: { database: { status: "connected", info: PG } } }));
    expect(text("db-backend")).toBe("PostgreSQL");
    expect(text("db-url")).toBe("postgres://flock:***@db.internal:5432/flock");
    expect(text("db-migrations")).toContain("5 applied, 2 pending");
    expect(text("db-password")).toBe("Kept in the system keychain");
    expect(text("db-tables")).toBe("6 tables");
  });

  it("shows a failed status as an error box with the message and the fix", async () => {
    const error: AppError = {
      kind: "database",
      message: "could not connect to db.internal:5432: connection refused",
      fix: "Check that the PostgreSQL server is running, or switch back to local SQLite.",
    };
    await openSettings(new MemoryBackend({ appInfo: { database: { status: "failed", error } } }));
    const box = screen.getByTestId("db-error");
    expect(box.getAttribute("role")).toBe("alert");
    expect(box.querySelector('[data-field="kind"]')?.textContent).toBe("Database error");
    expect(box.querySelector('[data-field="message"]')?.textContent).toBe(error.message);
    expect(box.querySelector('[data-field="fix"]')?.textContent).toContain(error.fix!);
    expect(screen.queryByTestId("db-backend")).toBeNull();
    expect(text("db-chip")).toBe("Database failed");
  });

  it("keeps the typed URL and shows the structured error when switching fails", async () => {
    const error: AppError = {
      kind: "database",
      message: "password authentication failed for user \"flock\"",
      fix: "Check the user name and password in the URL.",
    };
    const backend = new MemoryBackend();
    backend.failures.setDatabaseUrl = error;
    await openSettings(backend);

    const typed = "postgres://flock:wrong@db.internal:5432/flock";
    await fireEvent.input(urlInput(), { target: { value: typed } });
    await fireEvent.click(screen.getByRole("button", { name: "Test and switch" }));

    const box = await screen.findByTestId("db-switch-error");
    expect(box.querySelector('[data-field="kind"]')?.textContent).toBe("Database error");
    expect(box.querySelector('[data-field="message"]')?.textContent).toBe(error.message);
    expect(box.querySelector('[data-field="fix"]')?.textContent).toContain(error.fix!);
    expect(urlInput().value).toBe(typed);
    expect(backend.callsOf("setDatabaseUrl")).toEqual([[typed]]);
    // The database in use did not change.
    expect(text("db-backend")).toBe("SQLite");
    expect(text("db-chip")).toBe("SQLite");
  });

  it("shows an invalid_input error by its kind", async () => {
    const backend = new MemoryBackend();
    backend.failures.setDatabaseUrl = {
      kind: "invalid_input",
      message: '"mysql://x@y/z" is not a database URL Flock understands',
      fix: "Use postgres://user:password@host:5432/flock",
    };
    await openSettings(backend);
    await fireEvent.input(urlInput(), { target: { value: "mysql://x@y/z" } });
    await fireEvent.click(screen.getByRole("button", { name: "Test and switch" }));
    const box = await screen.findByTestId("db-switch-error");
    expect(box.dataset.kind).toBe("invalid_input");
    expect(box.querySelector('[data-field="kind"]')?.textContent).toBe("Invalid input");
    expect(urlInput().value).toBe("mysql://x@y/z");
  });

  it("switches to PostgreSQL and shows the new info, without keeping the password in the form", async () => {
    const backend = new MemoryBackend();
    backend.answers.setDatabaseUrl = PG;
    await openSettings(backend);
    await fireEvent.input(urlInput(), { target: { value: "  postgres://flock:s3cret@db.internal:5432/flock " } });
    await fireEvent.click(screen.getByRole("button", { name: "Test and switch" }));

    await waitFor(() => expect(text("db-backend")).toBe("PostgreSQL"));
    // The URL goes to the core as typed (trimmed); what shows is the core's redacted answer.
    expect(backend.callsOf("setDatabaseUrl")).toEqual([["postgres://flock:s3cret@db.internal:5432/flock"]]);
    expect(text("db-url")).toBe("postgres://flock:***@db.internal:5432/flock");
    expect(text("db-switch-success")).toContain("Now using PostgreSQL");
    expect(text("db-chip")).toBe("PostgreSQL");
    expect(urlInput().value).toBe("");
    expect(document.body.textContent).not.toContain("s3cret");
  });

  it("'Use local SQLite' calls setDatabaseUrl(null)", async () => {
    const backend = new MemoryBackend({ appInfo: { database: { status: "connected", info: PG } } });
    backend.answers.setDatabaseUrl = SQLITE_INFO;
    await openSettings(backend);
    await fireEvent.input(urlInput(), { target: { value: "postgres://half-typed" } });
    await fireEvent.click(screen.getByRole("button", { name: "Use local SQLite" }));
    await waitFor(() => expect(text("db-backend")).toBe("SQLite"));
    expect(backend.callsOf("setDatabaseUrl")).toEqual([[null]]);
    expect(urlInput().value).toBe("postgres://half-typed");
  });

  it("'Test and switch' is disabled while the URL is empty", async () => {
    await openSettings(new MemoryBackend());
    const button = screen.getByRole("button", { name: "Test and switch" }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    await fireEvent.input(urlInput(), { target: { value: "postgres://a@b/c" } });
    expect(button.disabled).toBe(false);
  });

  it("updates the page when another window switches the database (databaseChanged)", async () => {
    const backend = new MemoryBackend();
    await openSettings(backend);
    backend.emitDatabaseChanged({ status: { status: "connected", info: PG } });
    await waitFor(() => expect(text("db-backend")).toBe("PostgreSQL"));
    expect(text("db-chip")).toBe("PostgreSQL");
  });
});

describe("settings: team", () => {
  const now = new Date().toISOString();
  const workstations = [
    {
      id: "ws-a",
      name: "Front desk",
      host: "front-01",
      appVersion: "0.1.0",
      startedAt: now,
      lastHeartbeatAt: now,
      online: true,
      here: true,
      accounts: [{ id: 1, name: "Sales 1", leased: true }],
    },
    {
      id: "ws-b",
      name: "Back office",
      host: "back-02",
      appVersion: "0.1.0",
      startedAt: now,
      lastHeartbeatAt: new Date(Date.now() - 3 * 3600_000).toISOString(),
      online: false,
      here: false,
      accounts: [{ id: 2, name: "Sales 2", leased: false }],
    },
  ];

  it("lists each workstation with its status, last heartbeat and the accounts it runs", async () => {
    await openSettings(new MemoryBackend({ appInfo: { database: { status: "connected", info: PG } }, workstations }));
    await waitFor(() => expect(screen.getAllByTestId("team-workstation")).toHaveLength(2));
    const [front, back] = screen.getAllByTestId("team-workstation");
    expect(front.dataset.here).toBe("true");
    expect(front.textContent).toContain("Front desk");
    expect(front.textContent).toContain("this computer");
    expect(front.textContent).toContain("Online");
    expect(front.textContent).toContain("Sales 1");
    expect(back.textContent).toContain("Offline");
    expect(back.textContent).toContain("3 h ago");
    // Its lease ran out: the account is not shown as running there.
    expect(back.textContent).not.toContain("Sales 2");
    expect(screen.queryByTestId("team-sqlite")).toBeNull();
  });

  it("says a team needs PostgreSQL while on SQLite, and shows a failure as a structured error", async () => {
    const backend = new MemoryBackend();
    backend.failures.listWorkstations = { kind: "database", message: "database unavailable", fix: "Check the database" };
    await openSettings(backend);
    expect(text("team-sqlite")).toContain("switch every workstation to the same PostgreSQL database");
    await waitFor(() => expect(text("team-error")).toContain("database unavailable"));
  });
});

describe("settings: the database password", () => {
  it("says where the password is kept when there is no keychain, and shows none for SQLite", async () => {
    const file = { kind: "file" as const, path: "/srv/flock/secrets.json", reason: "no Secret Service on D-Bus" };
    await openSettings(new MemoryBackend({ appInfo: { database: { status: "connected", info: { ...PG, password: file } } } }));
    expect(text("db-password")).toBe(
      "Kept in /srv/flock/secrets.json, readable only by you (no keychain on this computer: no Secret Service on D-Bus)",
    );
  });

  it("has no password line for SQLite", async () => {
    await openSettings(new MemoryBackend());
    expect(screen.queryByTestId("db-password")).toBeNull();
  });
});
