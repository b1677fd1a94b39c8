// End-to-end: a campaign in demo mode, in the real app window. Linked accounts
// (the demo's own, or one linked here by the simulated phone), groups synced,
// three members named and tagged through the Contacts page's CSV import, then
// on the Campaigns page: a message with {{ first_name }} and an image, the
// audience by that tag, one account, now; the review's count and a rendered
// sample; Start; the live report until completed with every message delivered
// and read (checked against the simulator's ledger); a STOP reply that the
// Inbox flags as an opt-out and the Contacts page shows as opted out.
// Screenshots of every page and composer step: e2e/artifacts/campaign-*.png.
//
// Two things the window cannot do, done beside it (each said where it happens):
// - The attachment picker is a native dialog opened by the core
//   (choose_media_file); a test cannot click in it. The page's answer from
//   that one command is supplied in the page (the dialog's part only: the
//   core still inspects the file, stores it with the draft and sends it).
// - No screen changes an account's sending limits, and a newly linked
//   account waits an hour before its first send: `flockctl accounts limits`
//   turns them off for the sending account, on the app's own database.
//   FLOCK_APP_BIN     absolute path of the built app binary (required)
//   FLOCKCTL_BIN      default: flockctl next to FLOCK_APP_BIN
//   TAURI_DRIVER_URL  default http://127.0.0.1:4444
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { deflateSync } from "node:zlib";
import { assertNoCspViolations } from "./csp.mjs";
import { ARTIFACTS, saveFailureArtifacts, saveWindowScreenshot } from "./screenshots.mjs";
import { createSession, deleteSession, waitFor } from "./webdriver.mjs";

const DRIVER_URL = process.env.TAURI_DRIVER_URL || "http://127.0.0.1:4444";
const APP_BIN = process.env.FLOCK_APP_BIN;
const FLOCKCTL = process.env.FLOCKCTL_BIN || (APP_BIN ? join(dirname(APP_BIN), "flockctl") : "");
const PHONE = "+919800000001";
const TAG = "diwali-offer";
const PEOPLE = ["Anbu Selvan", "Meena Rajan", "Kavin Kumar"];
const TEXT = "Vanakkam {{ first_name }}! Our Diwali offer: 10% off every feed order this week. Reply STOP to opt out.";
const rendered = (name) => TEXT.replace("{{ first_name }}", name.split(" ")[0]);

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

const digits = (text) => String(text).replace(/[^0-9]/g, "");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- a small real PNG (what the core sniffs and thumbnails) ------------------------------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
/** A 160×120 RGB PNG: green with an orange band (a poster, as far as WhatsApp cares). */
function posterPng(width = 160, height = 120) {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) {
      const band = y > height / 3 && y < (2 * height) / 3;
      const [r, g, b] = band ? [255, 153, 51] : [37, 211, 102];
      raw[row + 1 + x * 3] = r;
      raw[row + 2 + x * 3] = g;
      raw[row + 3 + x * 3] = b;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

// ---- the native dialog's answer ------------------------------------------------------------

// Tauri's IPC posts each command to ipc://localhost/<command> with fetch. For the one
// choose_media_file call that follows, the page gets `path` as the dialog's answer (what
// the core hands back when the person picks that file); every other command goes through.
const ANSWER_MEDIA_DIALOG = `
  const path = arguments[0];
  const real = window.fetch;
  window.__e2eDialogAnswered = false;
  window.fetch = function (input, init) {
    const url = typeof input === "string" ? input : input && input.url ? input.url : String(input);
    if (/\\/choose_media_file$/.test(url)) {
      window.fetch = real;
      window.__e2eDialogAnswered = true;
      return Promise.resolve(new Response(JSON.stringify(path), {
        headers: { "Tauri-Response": "ok", "content-type": "application/json" },
      }));
    }
    return real.apply(this, arguments);
  };
`;

// ---- simulator and flockctl ------------------------------------------------------------------

async function sim(base, method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${base}${path} answered ${response.status}: ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

const run = promisify(execFile);

/** Pids of the account browsers started for `dataDir` (tauri-driver kills the app, not them). */
async function browsersOf(dataDir) {
  const found = [];
  for (const pid of await readdir("/proc").catch(() => [])) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (cmdline.includes(`--user-data-dir=${dataDir}`)) found.push(Number(pid));
  }
  return found;
}

test(
  "Campaign: compose to a tag with an image and {{ first_name }}, review, start, watch it complete, delivered and read; a STOP reply opts the person out",
  { timeout: 900_000 },
  async (t) => {
    assert.ok(APP_BIN && existsSync(APP_BIN), `FLOCK_APP_BIN must name the built app binary, got ${APP_BIN}`);
    assert.ok(existsSync(FLOCKCTL), `flockctl not found at ${FLOCKCTL} (build the workspace, or set FLOCKCTL_BIN)`);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    // Under HOME, as the other tests' browser profiles: scripts/test.sh stops what is left there.
    const dataDir = await mkdtemp(join(process.env.HOME || homedir(), "flock-e2e-campaign-"));
    const demoDir = join(dataDir, "demo");
    const image = join(dataDir, "diwali-poster.png");
    await writeFile(image, posterPng());
    const started = Date.now();
    const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
    const session = await createSession(DRIVER_URL, {
      "tauri:options": { application: APP_BIN, args: ["--demo", "--demo-port", String(port), "--data-dir", dataDir] },
      browserName: "wry",
    });
    t.diagnostic(`session ${session.id}; simulator on ${base}; data in ${demoDir}`);
    const go = async (page) => {
      await session.click(`css:[data-nav="${page}"]`);
      await waitFor(async () => (await session.findAll(`[data-page="${page}"]`)).length === 1, {
        timeout: 20_000,
        what: `the ${page} page`,
      });
    };
    const shot = async (name) => {
      const file = await saveWindowScreenshot(session, `${ARTIFACTS}campaign-${name}.png`);
      t.diagnostic(`${elapsed()}: screenshot ${file}`);
    };
    const text = async (css) => (await session.text(`css:${css}`)).replace(/\s+/g, " ").trim();
    const step = async (id) => {
      await waitFor(async () => (await session.attribute('css:[data-testid="composer"]', "data-step")) === id, {
        timeout: 30_000,
        what: `the composer's ${id} step`,
      }).catch(async (e) => {
        const problems = await session.findAll('[data-testid="composer-problems"], [data-testid="composer-save-error"]');
        if (problems.length) e.message += `; the composer says: ${await session.text(problems[0])}`;
        throw e;
      });
    };
    const next = async (to) => {
      await session.click('css:[data-testid="composer-next"]');
      await step(to);
    };

    try {
      await waitFor(async () => (await session.findAll('[data-nav="accounts"]')).length === 1, {
        timeout: 90_000,
        what: "the navigation",
      });

      // 1. An active account. With --demo-port the demo starts empty (the tests link their own);
      // should it start with linked accounts, one of those sends.
      await go("accounts");
      await waitFor(async () => (await session.findAll('[data-testid="accounts-demo-note"]')).length === 1, {
        timeout: 30_000,
        what: "the Accounts page in demo mode",
      });
      const rowsNow = async () =>
        session.execute(`return [...document.querySelectorAll('[data-testid="account-row"]')].map((r) => ({
          id: r.dataset.accountId, state: r.dataset.state,
          name: r.querySelector('[data-testid="account-name"]')?.textContent.trim() ?? null,
          phone: r.querySelector('[data-testid="account-phone"]')?.textContent.trim() ?? null }))`);
      const seeded = await waitFor(async () => (await rowsNow()).length > 0, { timeout: 8_000, what: "demo accounts" }).then(
        () => true,
        () => false,
      );
      if (!seeded) {
        t.diagnostic(`${elapsed()}: no demo account: linking one`);
        await session.click('css:[data-testid="add-account"]');
        await session.type('css:[data-testid="account-name-input"]', "Campaign E2E");
        await session.click('css:[data-testid="add-account-submit"]');
        const id = await waitFor(
          async () => {
            const [qr] = await session.findAll('[data-testid="account-row"] [data-testid="account-qr"]');
            return qr && (await session.attribute((await session.findAll('[data-testid="account-row"]'))[0], "data-account-id"));
          },
          { timeout: 120_000, interval: 500, what: "the new account's QR code" },
        );
        // The phone scans, through the simulator's control API; a 409 means the QR rotated meanwhile.
        const qrOf = () => session.attribute(`css:[data-testid="account-row"][data-account-id="${id}"] [data-testid="account-qr"]`, "data-qr-payload");
        const answers = [];
        for (let attempt = 1; attempt <= 8; attempt++) {
          const qr = await qrOf();
          const response = await fetch(`${base}/_sim/scan`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ qr, phone: PHONE }),
            signal: AbortSignal.timeout(15_000),
          });
          answers.push(`${response.status} ${(await response.text()).slice(0, 200)}`);
          if (response.ok) break;
          assert.equal(response.status, 409, `POST /_sim/scan: ${answers.at(-1)}`);
          await waitFor(async () => (await qrOf()) !== qr, { timeout: 30_000, interval: 300, what: `a fresh QR (${answers.join(" | ")})` });
        }
        assert.match(answers.at(-1), /^200/, `the simulator never accepted the scan: ${answers.join(" | ")}`);
      }
      let rows = [];
      const account = await waitFor(
        async () => {
          rows = await rowsNow();
          return rows.find((r) => r.state === "active" && /^\+\d{8,15}$/.test(r.phone ?? ""));
        },
        { timeout: 180_000, interval: 500, what: "an active account with its number" },
      ).catch((e) => {
        e.message += `; the rows: ${JSON.stringify(rows)}`;
        throw e;
      });
      t.diagnostic(`${elapsed()}: sending with account ${account.id} "${account.name}" ${account.phone} (${rows.length} account(s))`);
      await shot("accounts");

      // Acks as a phone would send them: delivered, then read.
      await sim(base, "POST", "/_sim/config", { auto_ack: { delivered_after_ms: 400, read_after_ms: 1_200 } });

      // 2. Groups, synced from the simulated WhatsApp Web.
      await go("groups");
      await waitFor(async () => !(await session.attribute('css:[data-testid="groups-sync"]', "disabled")), {
        timeout: 120_000,
        what: "the Sync button to be usable (no sync running)",
      });
      await session.click('css:[data-testid="groups-sync"]');
      await waitFor(async () => (await session.findAll('[data-testid="groups-sync-summary"]')).length === 1, {
        timeout: 180_000,
        interval: 500,
        what: "the sync summary",
      });
      const groupRows = await waitFor(async () => (await session.findAll('[data-testid="group-row"]')).length, {
        timeout: 30_000,
        what: "group rows",
      });
      t.diagnostic(`${elapsed()}: ${groupRows} groups on the page`);
      await shot("groups");

      // 3. Three members of this account's groups, named and tagged by a CSV import.
      const simGroups = await sim(base, "GET", "/_sim/groups");
      const team = new Set((await sim(base, "GET", "/_sim/phones")).map((p) => p.phone));
      const members = [
        ...new Set(
          (Array.isArray(simGroups) ? simGroups : simGroups.groups)
            .filter((g) => g.members_of.includes(account.phone) && !g.announce)
            // Participants are WhatsApp ids: <digits>@c.us, or <id>@lid when the number is hidden.
            .flatMap((g) => g.participants.map((p) => p.id))
            .filter((id) => id.endsWith("@c.us"))
            .map((id) => `+${id.slice(0, -"@c.us".length)}`)
            .filter((phone) => !team.has(phone)),
        ),
      ].slice(0, PEOPLE.length);
      assert.equal(members.length, PEOPLE.length, `${account.phone}'s groups have ${PEOPLE.length} members with a number`);
      const people = members.map((phone, i) => ({ phone, name: PEOPLE[i] }));
      const csv = join(dataDir, "diwali-list.csv");
      await writeFile(csv, `phone,name,tags\n${people.map((p) => `${p.phone},${p.name},${TAG}`).join("\n")}\n`);

      await go("contacts");
      await session.click('css:[data-testid="contacts-import"]');
      await session.type('css:[data-testid="import-file"]', csv);
      await waitFor(async () => (await session.findAll('[data-testid="import-mapping"]')).length === 1, {
        timeout: 30_000,
        what: "the import's column mapping",
      });
      const mapping = await session.execute(
        "return Object.fromEntries(['phone','name','tags'].map((k) => [k, document.querySelector(`[data-testid=import-map-${k}]`)?.value ?? null]))",
      );
      assert.deepEqual(mapping, { phone: "phone", name: "name", tags: "tags" }, "the import proposes the columns by their names");
      await session.click('css:[data-testid="import-run"]');
      const totals = await waitFor(
        async () => (await session.findAll('[data-testid="import-totals"]')).length === 1 && text('[data-testid="import-totals"]'),
        { timeout: 60_000, what: "the import's totals" },
      );
      t.diagnostic(`${elapsed()}: import: ${totals}`);
      await session.click('css:[data-testid="import-close"]');
      await session.type('css:[data-testid="contacts-tag-filter"]', TAG);
      await waitFor(async () => digits(await text('[data-testid="contacts-total"]')) === String(people.length), {
        timeout: 30_000,
        what: `the contacts tagged ${TAG} to number ${people.length}`,
      });
      await shot("contacts-tagged");

      // 4. The sending account's limits off (no screen for them; see the top of this file).
      const limits = await run(
        FLOCKCTL,
        ["--data-dir", demoDir, "accounts", "limits", String(account.id), "--per-minute", "off", "--per-hour", "off", "--per-day", "off",
          "--gap", "0", "--pause-every", "off", "--ramp-up", "off"],
        { timeout: 60_000 },
      );
      t.diagnostic(`flockctl accounts limits ${account.id}: ${limits.stdout.split("\n").slice(0, 2).join(" | ")}`);

      // 5. The composer.
      await go("campaigns");
      await waitFor(async () => (await session.findAll('[data-testid="campaigns-table"], [data-testid="campaigns-empty"]')).length > 0, {
        timeout: 30_000,
        what: "the campaigns list",
      });
      await session.click('css:[data-testid="campaigns-new"]');
      await step("message");
      const name = `Diwali offer ${new Date().toISOString().slice(11, 19)}`;
      // Replace the proposed name (the page's binding listens to input events).
      await session.execute(
        "const i = document.querySelector('[data-testid=composer-name]'); i.value = ''; i.dispatchEvent(new Event('input', { bubbles: true }));",
      );
      await session.type('css:[data-testid="composer-name"]', name);
      assert.equal(await session.execute("return document.querySelector('[data-testid=composer-name]').value"), name);
      await session.type('css:[data-testid="composer-text"]', TEXT);
      await waitFor(async () => /Uses first_name/.test(await text('[data-testid="composer-shape"]')), {
        timeout: 20_000,
        what: "the core's check to name the variable",
      });
      await session.execute(ANSWER_MEDIA_DIALOG, [image]);
      await session.click('css:[data-testid="composer-media-choose"]');
      await waitFor(async () => (await session.findAll('[data-testid="composer-media-card"][data-kind="image"] [data-testid="composer-media-thumb"]')).length === 1, {
        timeout: 30_000,
        what: "the image's card with its thumbnail",
      }).catch(async (e) => {
        const answered = await session.execute("return window.__e2eDialogAnswered");
        const err = await session.findAll('[data-testid="composer-media-error"]');
        e.message += `; dialog answered in the page: ${answered}${err.length ? `; the page says: ${await session.text(err[0])}` : ""}`;
        throw e;
      });
      const card = await text('[data-testid="composer-media-card"]');
      assert.match(card, /diwali-poster\.png/);
      assert.match(card, /image\/png/);
      t.diagnostic(`${elapsed()}: attachment: ${card}`);
      await shot("composer-1-message");
      await next("audience");

      // Audience: the contacts with the tag; the live count follows.
      await session.click('css:[data-testid="audience-filter-add"]');
      await session.type('css:[data-testid="audience-filter-tag"]', TAG);
      const count = await waitFor(
        async () => {
          const s = await text('[data-testid="audience-count"]');
          return (await session.attribute('css:[data-testid="audience-count"]', "data-busy")) === "false" && s.startsWith(`${people.length} targets`) && s;
        },
        { timeout: 30_000, what: `the live count to read ${people.length} targets` },
      );
      assert.match(count, new RegExp(`^${people.length} targets: ${people.length} to send`));
      t.diagnostic(`${elapsed()}: audience: ${count}`);
      await shot("composer-2-audience");
      await next("accounts");

      // Accounts: only the one whose limits are off.
      const sender = `[data-testid="sender-row"][data-id="${account.id}"]`;
      await waitFor(async () => (await session.findAll(sender)).length === 1, { timeout: 30_000, what: `the sender row of account ${account.id}` });
      await session.click(`css:${sender} [data-testid="sender-choose"]`);
      const chosen = await session.execute(
        "return [...document.querySelectorAll('[data-testid=sender-row]')].filter((r) => r.querySelector('[data-testid=sender-choose]').checked).map((r) => r.dataset.id)",
      );
      assert.deepEqual(chosen, [String(account.id)]);
      t.diagnostic(`${elapsed()}: sender: ${await text(sender)}`);
      await shot("composer-3-accounts");
      await next("schedule");

      assert.equal(await session.execute("return document.querySelector('[data-testid=schedule-now]').checked"), true, "now is the default");
      await shot("composer-4-schedule");
      await next("review");

      // Review: the count, and the message rendered for real targets.
      await waitFor(async () => (await session.findAll('[data-testid="review-audience"]')).length === 1, {
        timeout: 60_000,
        what: "the review",
      }).catch(async (e) => {
        const err = await session.findAll('[data-testid="review-error"]');
        if (err.length) e.message += `; the page says: ${await session.text(err[0])}`;
        throw e;
      });
      const reviewCount = await text('[data-testid="review-audience"]');
      assert.match(reviewCount, new RegExp(`^${people.length} targets: ${people.length} to send`));
      const samples = await session.execute(
        "return [...document.querySelectorAll('[data-testid=review-sample]')].map((s) => ({ head: s.querySelector('figcaption').textContent.replace(/\\s+/g, ' ').trim(), text: s.querySelector('[data-testid=review-sample-text]')?.textContent ?? null }))",
      );
      assert.ok(samples.length >= 1, "the review shows samples");
      for (const sample of samples) {
        const person = people.find((p) => sample.head.includes(p.name) || digits(sample.head).endsWith(digits(p.phone)));
        assert.ok(person, `a sample for one of the tagged people: ${JSON.stringify(sample)}`);
        assert.equal(sample.text, rendered(person.name), `the text rendered for ${person.name}`);
      }
      const warnings = await session.execute("return [...document.querySelectorAll('[data-testid=review-warning]')].map((w) => w.dataset.code)");
      t.diagnostic(`${elapsed()}: review: ${reviewCount}; ${samples.length} sample(s): "${samples[0].text}"; eta: ${await text('[data-testid="review-eta"]')}; warnings: ${warnings.join(", ") || "none"}`);
      await shot("composer-5-review");
      assert.equal(await session.attribute('css:[data-testid="composer-start"]', "disabled"), null, "Start is enabled");
      await session.click('css:[data-testid="composer-start"]');

      // 6. The live report until completed, everything delivered and read.
      await waitFor(async () => (await session.findAll('[data-testid="campaign-report"]')).length === 1, {
        timeout: 30_000,
        what: "the report after Start",
      }).catch(async (e) => {
        const err = await session.findAll('[data-testid="review-start-error"]');
        if (err.length) e.message += `; the page says: ${await session.text(err[0])}`;
        throw e;
      });
      const campaignId = await session.execute("return (window.location.hash.match(/campaigns\\/(\\d+)/) || [])[1] ?? null");
      assert.ok(campaignId, `the report's address names the campaign: ${await session.execute("return window.location.hash")}`);
      const done = new RegExp(`^${people.length} of ${people.length} sent · ${people.length} delivered · ${people.length} read`);
      const statuses = [];
      let progress = "";
      await waitFor(
        async () => {
          const status = await session.attribute('css:[data-testid="campaign-report"]', "data-status");
          if (statuses.at(-1) !== status) statuses.push(status);
          progress = await text('[data-testid="report-progress"]');
          const read = digits(await text('[data-testid="report-count-read"]'));
          return status === "completed" && read === String(people.length) && done.test(progress);
        },
        { timeout: 300_000, interval: 500, what: `campaign ${campaignId} completed with ${people.length} read` },
      ).catch((e) => {
        e.message += `; statuses seen: ${statuses.join(" → ")}; progress: ${progress}`;
        throw e;
      });
      t.diagnostic(`${elapsed()}: report: ${statuses.join(" → ")}; ${progress}`);
      await waitFor(async () => (await session.findAll('[data-testid="report-chart"] canvas')).length === 1, {
        timeout: 20_000,
        what: "the report's chart",
      });
      // The per-account table follows the counts with its next read of the report.
      const cells = `[data-testid="report-account"][data-id="${account.id}"] td`;
      let perAccount = [];
      await waitFor(
        async () => {
          perAccount = await session.execute(`return [...document.querySelectorAll('${cells}')].map((c) => c.textContent.trim())`);
          return perAccount[4] === String(people.length);
        },
        { timeout: 30_000, what: `the per-account table to count ${people.length} read for account ${account.id}` },
      ).catch((e) => {
        e.message += `; its row: ${JSON.stringify(perAccount)}`;
        throw e;
      });
      t.diagnostic(`${elapsed()}: per-account row (account, sending, sent, delivered, read, failed, restricted): ${perAccount.join(" | ")}`);
      await shot("report-completed");

      // What WhatsApp got: one image per person, the caption rendered for them.
      const ledger = await sim(base, "GET", "/_sim/ledger?accepted=true");
      for (const p of people) {
        const got = ledger.filter((m) => m.target === p.phone && m.from === account.phone);
        assert.equal(got.length, 1, `one message to ${p.phone}: ${JSON.stringify(got)}`);
        assert.equal(got[0].type, "image");
        assert.equal(got[0].caption ?? got[0].text, rendered(p.name));
        assert.ok(got[0].ack >= 3, `read: ack ${got[0].ack}`);
      }

      // 7. A STOP reply: flagged in the Inbox, the person opted out on the Contacts page.
      const stopper = people[1];
      await sim(base, "POST", "/_sim/inbound", { from: stopper.phone, to: account.phone, text: "STOP" });
      await go("inbox");
      const reply = `[data-testid="inbox-reply"]`;
      const seen = await waitFor(
        async () => {
          const items = await session.execute(
            `return [...document.querySelectorAll('${reply}')].map((r) => ({ who: r.querySelector('[data-field=who]')?.textContent.trim(),
               body: r.querySelector('[data-field=body]')?.textContent.trim(), optOut: !!r.querySelector('[data-field=opt-out-keyword]'),
               optedOut: !!r.querySelector('[data-field=opted-out]'), campaign: r.querySelector('[data-field=campaign]')?.getAttribute('href') ?? null,
               text: r.textContent.replace(/\\s+/g, ' ') }))`,
          );
          return items.find((i) => i.body === "STOP" && i.optOut && i.optedOut);
        },
        { timeout: 60_000, what: "the STOP reply in the Inbox, flagged as an opt-out" },
      );
      t.diagnostic(`${elapsed()}: inbox: ${seen.text.trim()}`);
      // Checked after every screenshot is taken (a wrong answer here should not hide the other pages).
      const wrong = [];
      if (seen.campaign !== `#/campaigns/${campaignId}`) {
        wrong.push(`the STOP reply is not linked to campaign ${campaignId}, which it answers (the Inbox shows: ${seen.text.trim()})`);
      }
      if (!seen.who.includes(stopper.name) && !digits(seen.text).includes(digits(stopper.phone))) {
        wrong.push(`the STOP reply is not from ${stopper.name} ${stopper.phone}, whom the campaign messaged, but from "${seen.who}"`);
      }
      await shot("inbox");

      await go("contacts");
      await session.type('css:[data-testid="contacts-tag-filter"]', TAG);
      const optedOut = await waitFor(
        async () => {
          const list = await session.execute(
            "return [...document.querySelectorAll('[data-testid=contact-row]')].map((r) => ({ phone: r.querySelector('[data-testid=contact-phone]')?.textContent.trim(), out: !!r.querySelector('[data-testid=opted-out-badge]') }))",
          );
          return list.length === people.length && list;
        },
        { timeout: 30_000, what: `the ${people.length} tagged contacts` },
      );
      for (const p of people) {
        const row = optedOut.find((r) => digits(r.phone) === digits(p.phone));
        assert.ok(row, `${p.phone} is listed`);
        if (row.out !== (p === stopper)) {
          wrong.push(`on the Contacts page ${p.name} ${p.phone} ${row.out ? "is" : "is not"} opted out${p === stopper ? " after replying STOP" : ""}`);
        }
      }
      await shot("contacts-opted-out");

      // 8. Every other page, with this campaign in it.
      await go("campaigns");
      const listed = `[data-testid="campaign-row"][data-id="${campaignId}"]`;
      await waitFor(async () => (await session.attribute(`css:${listed}`, "data-status")) === "completed", {
        timeout: 30_000,
        what: `campaign ${campaignId} completed in the list`,
      });
      t.diagnostic(`${elapsed()}: list: ${await text(listed)}`);
      await shot("campaigns-list");
      for (const page of ["dashboard", "settings", "logs"]) {
        await go(page);
        if (page === "logs") {
          await waitFor(async () => (await session.findAll('[data-testid="log-row"]')).length > 0, { timeout: 30_000, what: "log rows" });
        }
        await sleep(500);
        await shot(page);
      }
      await assertNoCspViolations(session);
      assert.deepEqual(wrong, [], "the STOP reply opts out the person who sent it");
      t.diagnostic(`${elapsed()}: done`);
    } catch (error) {
      await saveFailureArtifacts(session, t, "campaign-failure");
      throw error;
    } finally {
      const err = await deleteSession(session);
      if (err) t.diagnostic(`could not delete the session: ${err.message}`);
      // The accounts' browsers outlive the app tauri-driver killed: stop them, then the data.
      for (const pid of await browsersOf(dataDir)) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // Already gone.
        }
      }
      await rm(dataDir, { recursive: true, force: true, maxRetries: 3 }).catch(() => {});
    }
  },
);
