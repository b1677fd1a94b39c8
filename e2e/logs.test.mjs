// End-to-end: in demo mode, link an account and sync its groups, then:
// - every page at 1280×800 and at 1024×700: no page wider than the window, nothing clickable
//   that the keyboard cannot reach (pointer cursor only on buttons, links and form controls),
//   screenshots in e2e/artifacts/screens/;
// - the Logs page: the lines the app wrote, the level filter and the search, and, live, the
//   lines written when the demo phone logs the account out (the account's new state and the
//   desktop notification the shell decided on); the log files hold no full phone number.
//   FLOCK_APP_BIN     absolute path of the built app binary (required)
//   TAURI_DRIVER_URL  default http://127.0.0.1:4444
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { assertNoCspViolations } from "./csp.mjs";
import { ARTIFACTS, resizeWindow, saveFailureArtifacts, saveWindowScreenshotAt } from "./screenshots.mjs";
import { createSession, deleteSession, waitFor } from "./webdriver.mjs";

const DRIVER_URL = process.env.TAURI_DRIVER_URL || "http://127.0.0.1:4444";
const APP_BIN = process.env.FLOCK_APP_BIN;
const PAGES = ["dashboard", "accounts", "groups", "contacts", "campaigns", "inbox", "settings", "logs"];
const SIZES = [
  { width: 1280, height: 800 },
  { width: 1024, height: 700 },
];

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// What a page offers at this size: how far it is wider than the window, and what looks
// clickable (pointer cursor) but is not a control the keyboard reaches.
const LAYOUT_PROBE = `
  const content = document.querySelector(".content");
  const controls = "button, a[href], input, select, textarea, label, summary, [tabindex]";
  const unreachable = [...document.querySelectorAll(".shell *")]
    .filter((e) => getComputedStyle(e).cursor === "pointer" && !e.closest(controls))
    .map((e) => e.tagName.toLowerCase() + (e.className ? "." + String(e.className).split(" ")[0] : ""));
  // Controls cut off by a box that does not scroll (reported, see the diagnostics), and
  // controls that need a sideways scroll of their box to be seen.
  const cut = [], sideways = [];
  for (const el of document.querySelectorAll(".content button, .content input, .content select, .content a[href]")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0) continue;
    let clip = null;
    for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
      const o = getComputedStyle(box).overflowX;
      if (o === "visible" || r.right <= box.getBoundingClientRect().right + 1) continue;
      clip = o === "hidden" || o === "clip" ? "cut" : clip ?? "sideways";
    }
    const name = el.getAttribute("data-testid") || el.tagName.toLowerCase();
    if (clip === "cut") cut.push(name);
    else if (clip === "sideways") sideways.push(name);
  }
  const unique = (list) => [...new Set(list)];
  const head = document.querySelector(".page-head");
  return {
    documentOverflow: document.documentElement.scrollWidth - window.innerWidth,
    contentOverflow: content ? content.scrollWidth - content.clientWidth : 0,
    headRight: head ? Math.round(head.getBoundingClientRect().right) : 0,
    width: window.innerWidth,
    unreachable,
    cut: unique(cut),
    sideways: unique(sideways),
  };
`;

test("Logs live in the app window, every page at two window sizes", { timeout: 480_000 }, async (t) => {
  assert.ok(APP_BIN && existsSync(APP_BIN), `FLOCK_APP_BIN must name the built app binary, got ${APP_BIN}`);
  const port = await freePort();
  const sim = `http://127.0.0.1:${port}`;
  const session = await createSession(DRIVER_URL, {
    "tauri:options": { application: APP_BIN, args: ["--demo", "--demo-port", String(port)] },
    browserName: "wry",
  });
  const go = async (page) => {
    await session.click(`css:[data-nav="${page}"]`);
    await waitFor(async () => (await session.findAll(`[data-page="${page}"]`)).length === 1, {
      timeout: 15_000,
      what: `the ${page} page`,
    });
  };
  // The list is virtualised: only the rows in view are in the page; the summary counts them all.
  const lineCount = async () => Number((await session.text('css:[data-testid="log-summary"]')).replace(/[^0-9]/g, "")) || 0;
  const rowTexts = async () => {
    const rows = await session.findAll('[data-testid="log-row"]');
    return Promise.all(rows.map((r) => session.text(r)));
  };
  let accountRow = null;
  try {
    await waitFor(async () => (await session.findAll('[data-nav="accounts"]')).length === 1, {
      timeout: 60_000,
      what: "the navigation",
    });

    // 1. Something to show: a linked account and its groups.
    await go("accounts");
    await session.click('css:[data-testid="add-account"]');
    await session.type('css:[data-testid="account-name-input"]', "Logs E2E");
    await session.click('css:[data-testid="add-account-submit"]');
    const id = await waitFor(
      async () => {
        const [qr] = await session.findAll('[data-testid="account-row"] [data-testid="account-qr"]');
        if (!qr) return false;
        const [row] = await session.findAll('[data-testid="account-row"]');
        return session.attribute(row, "data-account-id");
      },
      { timeout: 90_000, interval: 500, what: "the account's QR code" },
    );
    accountRow = `[data-testid="account-row"][data-account-id="${id}"]`;
    await session.click(`css:${accountRow} [data-testid="demo-scan"]`);
    await waitFor(async () => (await session.attribute(`css:${accountRow}`, "data-state")) === "active", {
      timeout: 90_000,
      interval: 300,
      what: "the account to be active",
    });
    const phone = (await session.text(`css:${accountRow} [data-testid="account-phone"]`)).trim();
    assert.match(phone, /^\+\d{8,15}$/);
    await go("groups");
    await session.click('css:[data-testid="groups-sync"]');
    await waitFor(async () => (await session.findAll('[data-testid="groups-sync-summary"]')).length === 1, {
      timeout: 120_000,
      interval: 500,
      what: "the sync summary",
    });

    // 2. Every page at both sizes.
    const problems = [];
    for (const size of SIZES) {
      const seen = await resizeWindow(session, size);
      t.diagnostic(`window ${size.width}×${size.height}: the page sees ${seen.width}×${seen.height}`);
      for (const page of PAGES) {
        await go(page);
        if (page === "contacts") {
          await waitFor(async () => (await session.findAll('[data-testid="contact-row"]')).length > 0, {
            timeout: 30_000,
            what: "contact rows",
          });
        }
        if (page === "logs") {
          await waitFor(async () => (await session.findAll('[data-testid="log-row"]')).length > 0, {
            timeout: 30_000,
            what: "log rows",
          });
        }
        const layout = await session.execute(LAYOUT_PROBE);
        t.diagnostic(`${page} at ${size.width}×${size.height}: ${JSON.stringify(layout)}`);
        if (layout.documentOverflow > 1 || layout.contentOverflow > 1) problems.push(`${page} at ${size.width}: wider than the window`);
        if (layout.headRight > layout.width) problems.push(`${page} at ${size.width}: its title bar is cut off`);
        if (layout.unreachable.length) problems.push(`${page} at ${size.width}: clickable but not a control: ${layout.unreachable.join(", ")}`);
        if (layout.cut.length) t.diagnostic(`NOTE ${page} at ${size.width}: controls cut off: ${layout.cut.join(", ")}`);
        if (layout.sideways.length) t.diagnostic(`NOTE ${page} at ${size.width}: controls behind a sideways scroll: ${layout.sideways.join(", ")}`);
        await saveWindowScreenshotAt(session, `${ARTIFACTS}screens/${page}-${size.width}x${size.height}.png`, size);
      }
    }
    assert.deepEqual(problems, []);
    await resizeWindow(session, SIZES[0]);

    // 3. The Logs page: what the app wrote so far, filtered by level and by text.
    await go("logs");
    const privacy = await session.text('css:[data-testid="log-privacy"]');
    assert.match(privacy, /full phone numbers are not written to the log/);
    // Following: the newest lines are in view.
    await waitFor(async () => (await rowTexts()).some((s) => s.includes("groups synced")), {
      timeout: 30_000,
      what: 'the "groups synced" line in view',
    });
    // The lines-per-minute sparkline: Chart.js drew on its canvas under the app's CSP.
    const sparkline = await session.execute(
      "const c = document.querySelector('[data-testid=log-rate-chart] canvas'); return c ? [c.width, c.height] : null",
    );
    assert.ok(sparkline && sparkline[0] > 0 && sparkline[1] > 0, `the sparkline's canvas is drawn: ${JSON.stringify(sparkline)}`);
    const all = await lineCount();
    t.diagnostic(`${all} log lines`);
    await session.execute(
      "const s = document.querySelector('[data-testid=log-level]'); s.value = 'warn'; s.dispatchEvent(new Event('change', { bubbles: true }));",
    );
    await waitFor(
      async () => {
        const rows = await session.findAll('[data-testid="log-row"]');
        const levels = await Promise.all(rows.map((r) => session.attribute(r, "data-level")));
        return (await lineCount()) < all && levels.every((l) => l === "warn" || l === "error");
      },
      { timeout: 15_000, what: "only warnings and errors" },
    );
    await session.execute(
      "const s = document.querySelector('[data-testid=log-level]'); s.value = ''; s.dispatchEvent(new Event('change', { bubbles: true }));",
    );
    await session.type('css:[data-testid="log-search"]', "flock starting");
    await waitFor(
      async () => {
        const texts = await rowTexts();
        return texts.length > 0 && texts.every((s) => s.includes("Flock starting"));
      },
      { timeout: 15_000, what: 'only the "Flock starting" line (the first of the file)' },
    );
    await session.execute(
      "const s = document.querySelector('[data-testid=log-search]'); s.value = ''; s.dispatchEvent(new Event('input', { bubbles: true }));",
    );
    await waitFor(async () => (await lineCount()) >= all, { timeout: 15_000, what: "every line again" });

    // 4. Live: the phone logs the account out; its lines arrive while the page is open.
    const before = await lineCount();
    const res = await fetch(`${sim}/_sim/phones/${encodeURIComponent(phone)}/logout`, { method: "POST" });
    assert.equal(res.status, 200, `the simulator's phone logs out (${res.status})`);
    const live = await waitFor(
      async () => {
        const texts = await rowTexts();
        const state = texts.find((s) => s.includes("account state") && s.includes("to=logged_out"));
        const notice = texts.find((s) => s.includes("desktop notification") && s.includes("Logs E2E") && s.includes("logged out"));
        return (await lineCount()) > before && state && notice && { state, notice };
      },
      { timeout: 60_000, interval: 500, what: "the logout's lines on the Logs page" },
    );
    t.diagnostic(`live: ${live.state} | ${live.notice}`);
    await saveWindowScreenshotAt(session, `${ARTIFACTS}logs.png`, SIZES[0]);
    await assertNoCspViolations(session);

    // 5. Least privilege: the window cannot open paths or URLs, nor notify, by itself (only
    //    Flock's own open_log_folder command opens one folder).
    for (const [command, args] of [
      ["plugin:opener|open_path", { path: "/etc" }],
      ["plugin:opener|open_url", { url: "https://example.com" }],
      ["plugin:notification|notify", { options: { title: "from the page" } }],
    ]) {
      const answer = await session.execute(
        "return window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1]).then(() => 'allowed', (e) => 'refused: ' + e)",
        [command, args],
      );
      t.diagnostic(`${command}: ${answer}`);
      assert.match(String(answer), /^refused: .*not allowed/i, `${command} must be refused, got ${answer}`);
    }

    // 6. The files behind the page hold no full phone number.
    const logDir = (await session.text('css:[data-testid="log-dir"]')).trim();
    const digits = phone.slice(1);
    let lines = 0;
    for (const name of (await readdir(logDir)).filter((n) => n.endsWith(".log"))) {
      const text = await readFile(join(logDir, name), "utf8");
      lines += text.split("\n").filter(Boolean).length;
      assert.ok(!text.includes(digits), `${name} holds the full number ${phone}`);
      for (const line of text.split("\n").filter(Boolean)) JSON.parse(line);
    }
    assert.ok(lines > 0, `the log folder ${logDir} has lines`);
    t.diagnostic(`${lines} log lines in ${logDir}, none with ${phone} in full`);
  } catch (error) {
    await saveFailureArtifacts(session, t, "logs-failure");
    throw error;
  } finally {
    if (accountRow) {
      await go("accounts").catch(() => {});
      await session.click(`css:${accountRow} [data-testid="account-remove"]`).catch(() => {});
      await session.click(`css:${accountRow} [data-testid="confirm-yes"]`).catch(() => {});
      await waitFor(async () => (await session.findAll(accountRow)).length === 0, { timeout: 30_000 }).catch(() => {});
    }
    const err = await deleteSession(session);
    if (err) t.diagnostic(`could not delete the session: ${err.message}`);
  }
});
