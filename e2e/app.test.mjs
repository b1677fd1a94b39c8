// End-to-end: the built Flock app under tauri-driver (WebKitWebDriver on Linux).
// The test script starts tauri-driver and sets:
//   FLOCK_APP_BIN             absolute path of the built app binary (required)
//   TAURI_DRIVER_URL          default http://127.0.0.1:4444
//   FLOCK_E2E_EXPECT_BACKEND  label expected in Settings, default "SQLite"
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { isAbsolute } from "node:path";
import { test } from "node:test";
import { assertInlineStylesRefused, assertNoCspViolations } from "./csp.mjs";
import { ARTIFACTS, saveFailureArtifacts, saveWindowScreenshot } from "./screenshots.mjs";
import { createSession, deleteSession, waitFor } from "./webdriver.mjs";

const DRIVER_URL = process.env.TAURI_DRIVER_URL || "http://127.0.0.1:4444";
const APP_BIN = process.env.FLOCK_APP_BIN;
const EXPECT_BACKEND = process.env.FLOCK_E2E_EXPECT_BACKEND || "SQLite";
const NAV_LABELS = ["Dashboard", "Accounts", "Groups", "Contacts", "Campaigns", "Inbox", "Settings", "Logs"];

test("the app starts, shows the whole navigation, and Settings shows the database", { timeout: 240_000 }, async (t) => {
  assert.ok(APP_BIN, "FLOCK_APP_BIN is not set: set it to the absolute path of the built Flock binary");
  assert.ok(isAbsolute(APP_BIN), `FLOCK_APP_BIN must be an absolute path, got ${APP_BIN}`);
  assert.ok(existsSync(APP_BIN), `FLOCK_APP_BIN does not exist: ${APP_BIN} (build the app first)`);

  const session = await createSession(DRIVER_URL, {
    "tauri:options": { application: APP_BIN },
    browserName: "wry",
  });
  t.diagnostic(`session ${session.id} on ${DRIVER_URL}`);
  try {
    const labels = await waitFor(
      async () => {
        const items = await session.findAll("[data-nav]");
        const texts = await Promise.all(items.map((el) => session.text(el)));
        return NAV_LABELS.every((label) => texts.map((s) => s.trim()).includes(label)) && texts;
      },
      { timeout: 60_000, what: `the navigation to show ${NAV_LABELS.join(", ")}` },
    );
    assert.deepEqual(labels.map((s) => s.trim()), NAV_LABELS);

    await session.click(await session.find('[data-nav="settings"]'));
    await waitFor(async () => (await session.findAll('[data-page="settings"]')).length === 1, {
      timeout: 15_000,
      what: "the Settings page",
    });

    let seen = "(nothing yet)";
    await waitFor(
      async () => {
        const [backend] = await session.findAll("[data-testid=db-backend]");
        if (backend) return (seen = (await session.text(backend)).trim()) === EXPECT_BACKEND;
        // Say what the page shows instead: an error box, or still waiting.
        const [problem] = await session.findAll("[data-testid=db-error], [data-testid=backend-unavailable]");
        seen = problem ? `error box: ${(await session.text(problem)).replace(/\s+/g, " ")}` : "(no db-backend yet)";
        return false;
      },
      { timeout: 30_000, what: `[data-testid=db-backend] to read "${EXPECT_BACKEND}"` },
    ).catch((e) => {
      e.message += `; the page showed: ${seen}`;
      throw e;
    });

    const png = await saveWindowScreenshot(session, `${ARTIFACTS}settings.png`);
    t.diagnostic(`screenshot: ${png}`);

    // A wrong database URL: a clear error naming the URL with the password
    // hidden, and the database in use does not change.
    const badUrl = "postgres://flock:s3cret@127.0.0.1:1/flock";
    await session.type("css:[data-testid=db-url-input]", badUrl);
    await session.click("css:[data-testid=db-switch-postgres]");
    const errorText = await waitFor(
      async () => {
        const [box] = await session.findAll("[data-testid=db-switch-error]");
        return box ? (await session.text(box)).replace(/\s+/g, " ") : false;
      },
      { timeout: 30_000, what: "the switch error box" },
    );
    assert.match(errorText, /postgres:\/\/flock:\*\*\*\*@127\.0\.0\.1:1\/flock/);
    assert.doesNotMatch(errorText, /s3cret/);
    assert.equal((await session.text("css:[data-testid=db-backend]")).trim(), EXPECT_BACKEND);
    const errPng = await saveWindowScreenshot(session, `${ARTIFACTS}settings-wrong-url.png`);
    t.diagnostic(`screenshot: ${errPng}`);

    // Every page under the Content-Security-Policy: nothing refused, and the policy is in force.
    for (const label of NAV_LABELS) {
      await session.click(await session.find(`[data-nav="${label.toLowerCase()}"]`));
      await waitFor(async () => (await session.findAll(`[data-page="${label.toLowerCase()}"]`)).length === 1, {
        timeout: 15_000,
        what: `the ${label} page`,
      });
    }
    await assertNoCspViolations(session);
    await assertInlineStylesRefused(session);
  } catch (error) {
    await saveFailureArtifacts(session, t);
    throw error;
  } finally {
    const err = await deleteSession(session);
    if (err) t.diagnostic(`could not delete the session: ${err.message}`);
  }
});
