// End-to-end: in demo mode, link an account (the demo phone scans), add a tag
// rule, sync the groups from the simulated WhatsApp Web, then filter the
// contacts by the tag the rule gave. Checked against the simulator's own
// record of the groups.
//   FLOCK_APP_BIN     absolute path of the built app binary (required)
//   TAURI_DRIVER_URL  default http://127.0.0.1:4444
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { test } from "node:test";
import { assertNoCspViolations } from "./csp.mjs";
import { ARTIFACTS, saveFailureArtifacts, saveWindowScreenshot } from "./screenshots.mjs";
import { createSession, deleteSession, waitFor } from "./webdriver.mjs";

const DRIVER_URL = process.env.TAURI_DRIVER_URL || "http://127.0.0.1:4444";
const APP_BIN = process.env.FLOCK_APP_BIN;
const WORD = "Namakkal";
const TAG = "namakkal";

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

const digits = (text) => Number(String(text).replace(/[^0-9]/g, ""));

test("Groups and contacts: sync the demo groups, then filter contacts by a rule's tag", { timeout: 420_000 }, async (t) => {
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
  let accountRow = null;
  try {
    await waitFor(async () => (await session.findAll('[data-nav="accounts"]')).length === 1, {
      timeout: 60_000,
      what: "the navigation",
    });

    // 1. Link an account: its QR shows, the demo phone scans it.
    await go("accounts");
    await session.click('css:[data-testid="add-account"]');
    await session.type('css:[data-testid="account-name-input"]', "Sales E2E");
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
    t.diagnostic(`account ${id} active as ${phone}`);

    // What the simulated WhatsApp says this account is in.
    const simGroups = await (await fetch(`${sim}/_sim/groups`)).json();
    const mine = (Array.isArray(simGroups) ? simGroups : simGroups.groups).filter((g) => g.members_of.includes(phone));
    const namakkal = mine.filter((g) => g.subject.includes(WORD));
    assert.ok(namakkal.length > 0, `the demo has ${WORD} groups for ${phone}`);
    const expectedContacts = new Set(namakkal.flatMap((g) => g.participants.map((p) => p.id))).size;

    // 2. A rule: groups whose subject contains Namakkal, and their members, get the tag.
    await go("groups");
    await session.type('css:[data-testid="tag-rule-contains"]', WORD);
    await session.type('css:[data-testid="tag-rule-tag"]', TAG);
    await session.click('css:[data-testid="tag-rule-add"]');
    await waitFor(async () => (await session.findAll('[data-testid="tag-rule"]')).length === 1, {
      timeout: 15_000,
      what: "the new tag rule",
    });

    // 3. Sync: every group of the account arrives, live, with the rule applied.
    await session.click('css:[data-testid="groups-sync"]');
    await waitFor(async () => (await session.findAll('[data-testid="groups-sync-summary"]')).length === 1, {
      timeout: 120_000,
      interval: 500,
      what: "the sync summary",
    });
    const rows = await waitFor(
      async () => {
        const found = await session.findAll('[data-testid="group-row"]');
        return found.length === mine.length && found;
      },
      { timeout: 30_000, what: `${mine.length} group rows` },
    );
    let tagged = 0;
    for (const row of rows) {
      const subject = await session.text(await session.findIn(row, '[data-testid="group-subject"]'));
      const tags = await session.text(await session.findIn(row, '[data-testid="group-tags"]'));
      if (subject.includes(WORD)) {
        assert.match(tags, new RegExp(TAG), `${subject} carries the rule's tag`);
        tagged += 1;
      }
    }
    assert.equal(tagged, namakkal.length);
    t.diagnostic(`${mine.length} groups synced, ${tagged} tagged "${TAG}"`);
    await saveWindowScreenshot(session, `${ARTIFACTS}groups-synced.png`);

    // 4. Contacts filtered by the tag: exactly the members of those groups.
    await go("contacts");
    await session.type('css:[data-testid="contacts-tag-filter"]', TAG);
    await waitFor(async () => digits(await session.text('css:[data-testid="contacts-total"]')) === expectedContacts, {
      timeout: 30_000,
      interval: 500,
      what: `the contacts total to read ${expectedContacts}`,
    });
    const shown = await session.findAll('[data-testid="contact-row"] [data-testid="contact-tags"]');
    assert.ok(shown.length > 0, "rows are shown");
    for (const cell of shown.slice(0, 20)) {
      assert.match(await session.text(cell), new RegExp(TAG));
    }
    t.diagnostic(`contacts tagged "${TAG}": ${expectedContacts}`);
    await saveWindowScreenshot(session, `${ARTIFACTS}contacts-by-tag.png`);
    await assertNoCspViolations(session);
  } catch (error) {
    await saveFailureArtifacts(session, t, "groups-failure");
    throw error;
  } finally {
    if (accountRow) {
      // Close the account's browser (tauri-driver kills the app without letting it).
      await go("accounts").catch(() => {});
      await session.click(`css:${accountRow} [data-testid="account-remove"]`).catch(() => {});
      await session.click(`css:${accountRow} [data-testid="confirm-yes"]`).catch(() => {});
      await waitFor(async () => (await session.findAll(accountRow)).length === 0, { timeout: 30_000 }).catch(() => {});
    }
    const err = await deleteSession(session);
    if (err) t.diagnostic(`could not delete the session: ${err.message}`);
  }
});
