// End-to-end: link an account in demo mode. The built app starts its WhatsApp
// simulator on a port we choose and a real headless Chromium for the account;
// this test plays the phone through the simulator's control API and watches
// the Accounts page go from QR to active, live, without any reload.
//   FLOCK_APP_BIN     absolute path of the built app binary (required)
//   TAURI_DRIVER_URL  default http://127.0.0.1:4444
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { isAbsolute } from "node:path";
import { test } from "node:test";
import { assertNoCspViolations } from "./csp.mjs";
import { ARTIFACTS, saveFailureArtifacts, saveWindowScreenshot } from "./screenshots.mjs";
import { createSession, deleteSession, waitFor } from "./webdriver.mjs";

const DRIVER_URL = process.env.TAURI_DRIVER_URL || "http://127.0.0.1:4444";
const APP_BIN = process.env.FLOCK_APP_BIN;
const PHONE = "+919800000001";

/** A TCP port nobody listens on right now (the OS picks it). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

/** What the page shows for the account named `name` (null when there is no such row yet). */
const ROW_SNAPSHOT = `
  const clean = (el) => (el ? el.textContent.replace(/\\s+/g, " ").trim() : null);
  const row = [...document.querySelectorAll('[data-testid="account-row"]')]
    .find((r) => clean(r.querySelector('[data-testid="account-name"]')) === arguments[0]);
  if (!row) {
    return { found: false, rows: document.querySelectorAll('[data-testid="account-row"]').length,
             errors: [...document.querySelectorAll('[role="alert"]')].map(clean) };
  }
  const qr = row.querySelector('[data-testid="account-qr"]');
  return {
    found: true,
    id: row.dataset.accountId,
    state: row.dataset.state,
    status: clean(row.querySelector('[data-testid="account-status"]')),
    phone: clean(row.querySelector('[data-testid="account-phone"]')),
    qr: qr ? qr.dataset.qrPayload : null,
    qrHasSvg: !!(qr && qr.querySelector("svg")),
    reason: clean(row.querySelector('[data-testid="account-reason"]')),
    fix: clean(row.querySelector('[data-testid="account-fix"]')),
    errors: [...document.querySelectorAll('[role="alert"]')].map(clean),
  };
`;

/** Remove → confirm, then waits for the row to go. */
async function removeAccount(session, row) {
  await session.click(`css:${row} [data-testid="account-remove"]`);
  await session.click(`css:${row} [data-testid="confirm-yes"]`);
  await waitFor(async () => (await session.findAll(row)).length === 0, { timeout: 30_000, what: `${row} to go` });
}

/** `{ navigations, marker }`: a reload or a navigation changes one or the other. */
const PAGE_IDENTITY = `return { navigations: performance.getEntriesByType("navigation").length, marker: window.__e2eMarker ?? null };`;

test("Accounts: add an account, scan its live QR from the simulated phone, and see it active with its number, live", { timeout: 360_000 }, async (t) => {
  assert.ok(APP_BIN, "FLOCK_APP_BIN is not set: set it to the absolute path of the built Flock binary");
  assert.ok(isAbsolute(APP_BIN), `FLOCK_APP_BIN must be an absolute path, got ${APP_BIN}`);
  assert.ok(existsSync(APP_BIN), `FLOCK_APP_BIN does not exist: ${APP_BIN} (build the app first)`);

  const port = await freePort();
  const sim = `http://127.0.0.1:${port}`;
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  const session = await createSession(DRIVER_URL, {
    "tauri:options": { application: APP_BIN, args: ["--demo", "--demo-port", String(port)] },
    browserName: "wry",
  });
  t.diagnostic(`session ${session.id} on ${DRIVER_URL}; simulator on ${sim}`);
  const name = `E2E ${new Date().toISOString().slice(11, 19)}`;
  let last = null;
  const snapshot = async () => (last = await session.execute(ROW_SNAPSHOT, [name]));
  const seen = () => `; the row showed: ${JSON.stringify(last)}`;

  try {
    await waitFor(async () => (await session.findAll('[data-nav="accounts"]')).length === 1, {
      timeout: 60_000,
      what: "the navigation",
    });
    await session.click('css:[data-nav="accounts"]');
    await waitFor(async () => (await session.findAll('[data-page="accounts"]')).length === 1, {
      timeout: 15_000,
      what: "the Accounts page",
    });
    // The list has loaded (empty or not) and the app knows it is in demo mode.
    await waitFor(
      async () =>
        (await session.findAll('[data-testid="accounts-empty"], [data-testid="accounts-table"]')).length > 0 &&
        (await session.findAll('[data-testid="accounts-demo-note"]')).length === 1,
      { timeout: 30_000, what: "the account list and the demo-mode note" },
    );

    // Anything that reloads the page from here on loses this marker.
    const marker = `e2e-${process.pid}-${Date.now()}`;
    await session.execute("window.__e2eMarker = arguments[0];", [marker]);
    const before = await session.execute(PAGE_IDENTITY);
    assert.equal(before.marker, marker);

    // This WhatsApp Web lacks its media module: the account must still turn
    // active, and the row must name what is missing (issue 9, capabilities).
    const configured = await fetch(`${sim}/_sim/config`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ omit_modules: ["WAWebPrepRawMedia"] }),
      signal: AbortSignal.timeout(15_000),
    });
    assert.ok(configured.ok, `POST ${sim}/_sim/config answered ${configured.status}: ${await configured.text()}`);

    await session.click('css:[data-testid="add-account"]');
    await session.type('css:[data-testid="account-name-input"]', name);
    await session.click('css:[data-testid="add-account-submit"]');
    t.diagnostic(`${elapsed()}: submitted "${name}"`);

    // A real Chromium starts for the account and opens the simulator's WhatsApp Web.
    await waitFor(async () => (await snapshot()).found && last.qr && last.qrHasSvg, {
      timeout: 90_000,
      interval: 500,
      what: "[data-testid=account-qr] with a payload and an SVG",
    }).catch((e) => {
      e.message += seen();
      throw e;
    });
    const row = `[data-testid="account-row"][data-account-id="${last.id}"]`;
    assert.equal(last.state, "waiting_for_scan");
    assert.equal(last.status, "Waiting for scan");
    let payload = await session.attribute(`css:${row} [data-testid="account-qr"]`, "data-qr-payload");
    assert.match(payload, /^2@/, "a WhatsApp QR payload starts with 2@");
    t.diagnostic(`${elapsed()}: QR on screen for account ${last.id}: ${payload.slice(0, 24)}…`);
    assert.equal((await session.findAll('[data-testid="demo-scan"]')).length, 1, "demo mode offers Simulate phone scan");

    const qrPng = await saveWindowScreenshot(session, `${ARTIFACTS}accounts-qr.png`);
    t.diagnostic(`screenshot: ${qrPng}`);

    // The phone scans, through the simulator's control API (not the demo button).
    // A 409 means the QR rotated between reading and scanning: read the new one.
    let scanned = false;
    const answers = [];
    for (let attempt = 1; attempt <= 8 && !scanned; attempt++) {
      const response = await fetch(`${sim}/_sim/scan`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ qr: payload, phone: PHONE }),
        signal: AbortSignal.timeout(15_000),
      });
      const body = await response.text();
      answers.push(`${response.status} ${body.slice(0, 200)}`);
      if (response.ok) {
        scanned = true;
      } else if (response.status === 409) {
        const stale = payload;
        payload = await waitFor(
          async () => {
            const fresh = await session.attribute(`css:${row} [data-testid="account-qr"]`, "data-qr-payload");
            return fresh && fresh !== stale && fresh;
          },
          { timeout: 30_000, interval: 300, what: `a fresh QR after a 409 (the simulator said: ${answers.join(" | ")})` },
        );
      } else {
        assert.fail(`POST ${sim}/_sim/scan answered ${response.status}: ${body}`);
      }
    }
    assert.ok(scanned, `the simulator never accepted the scan: ${answers.join(" | ")}`);
    t.diagnostic(`${elapsed()}: scanned (${answers.length} attempt(s): ${answers.map((a) => a.split(" ")[0]).join(", ")})`);

    const states = new Set();
    await waitFor(
      async () => {
        await snapshot();
        if (last.state) states.add(last.state);
        return last.state === "active" && last.phone === PHONE;
      },
      { timeout: 90_000, interval: 300, what: `the row to be active with ${PHONE}` },
    ).catch((e) => {
      e.message += seen();
      throw e;
    });
    t.diagnostic(`${elapsed()}: active with ${last.phone}; states seen after the scan: ${[...states].join(" → ")}`);
    assert.equal(last.status, "Active");
    assert.equal((await session.text(`css:${row} [data-testid="account-phone"]`)).trim(), PHONE);
    assert.equal(await session.attribute(`css:${row}`, "data-state"), "active");
    assert.equal((await session.findAll(`${row} [data-testid="account-qr"]`)).length, 0, "the QR is gone");

    const after = await session.execute(PAGE_IDENTITY);
    assert.deepEqual(after, before, "the page was not reloaded: same navigation entries, marker still set");

    const missing = `${row} [data-testid="account-missing-capability"][data-capability="send_media"]`;
    await waitFor(async () => (await session.findAll(missing)).length === 1, {
      timeout: 30_000,
      what: "the row to name the missing media sending",
    });
    assert.match(await session.text(`css:${missing}`), /lacks WAWebPrepRawMedia/);
    assert.equal(await session.attribute(`css:${row}`, "data-state"), "active", "a missing feature is not a broken account");

    const activePng = await saveWindowScreenshot(session, `${ARTIFACTS}accounts-active.png`);
    t.diagnostic(`screenshot (active, media sending named as missing): ${activePng}`);

    // Remove it (after confirming): the app closes the account's browser, and the row goes, live.
    await removeAccount(session, row);
    t.diagnostic(`${elapsed()}: removed`);
    assert.deepEqual(await session.execute(PAGE_IDENTITY), before, "still no reload");
    await assertNoCspViolations(session);
  } catch (error) {
    await saveFailureArtifacts(session, t, "accounts-failure");
    // Best effort: tauri-driver kills the app without letting it close the account's browser.
    if (last?.id) await removeAccount(session, `[data-testid="account-row"][data-account-id="${last.id}"]`).catch(() => {});
    throw error;
  } finally {
    const err = await deleteSession(session);
    if (err) t.diagnostic(`could not delete the session: ${err.message}`);
  }
});
