// whatsapp-web.js, as published on npm, against Flock's simulator: the
// library's own code drives the page; only its URL points at
// `flockctl sim serve`. Each step is what a new user of the library does,
// and the simulator's control API (the phone, WhatsApp's servers) judges.
//   node --test tests/wwebjs/
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createRequire } from "node:module";
import { join } from "node:path";
import { eventually, loadWhatsappWeb, puppeteerOptions, startSimulator, tempDir, waitFor } from "./support.mjs";

const RAVI = "+919800000001";
const RAVI_WID = "919800000001@c.us";
const version = createRequire(import.meta.url)("whatsapp-web.js/package.json").version;

describe(`whatsapp-web.js ${version} on the simulator`, () => {
  let sim, lib, client;
  const home = tempDir("flock-wwebjs-home-");
  const authPath = join(home, "wwebjs_auth");
  const qrs = [];

  function newClient() {
    const c = new lib.Client({
      authStrategy: new lib.LocalAuth({ clientId: "ravi", dataPath: authPath }),
      // No copy of the page's HTML is cached or served from disk.
      webVersionCache: { type: "none" },
      puppeteer: puppeteerOptions(home),
    });
    c.on("qr", (qr) => qrs.push(qr));
    return c;
  }

  before(async () => {
    sim = await startSimulator();
    lib = loadWhatsappWeb(sim.url);
  });

  after(async () => {
    await client?.destroy().catch(() => {});
    sim?.stop();
  });

  it("fires qr with a payload the phone can scan; authenticated and ready follow", async () => {
    client = newClient();
    const authenticated = waitFor(client, "authenticated");
    const ready = waitFor(client, "ready", () => true, 90_000);
    const firstQr = waitFor(client, "qr");
    await client.initialize();
    const [qr] = await firstQr;
    assert.equal(qr.split(",").length, 5, "ref,noise,identity,adv,platform");
    const session = await sim.post("/_sim/scan", { qr, phone: RAVI });
    assert.equal(session.phone, RAVI);
    await authenticated;
    await ready;
    assert.equal(client.info.wid._serialized, RAVI_WID);
    assert.equal(await client.getState(), "CONNECTED");
  });

  it("getChats lists the phone's groups with their participants", async () => {
    const expected = (await sim.get("/_sim/groups")).filter((g) => g.members_of.includes(RAVI));
    assert.ok(expected.length > 0, "the demo phone is in groups");
    const chats = await client.getChats();
    const groups = chats.filter((c) => c.isGroup);
    assert.deepEqual(groups.map((g) => g.id._serialized).sort(), expected.map((g) => g.id).sort());
    for (const want of expected) {
      const got = groups.find((g) => g.id._serialized === want.id);
      assert.equal(got.name, want.subject);
      assert.equal(got.participants.length, want.participants.length, `${want.subject}: participants`);
      const admins = got.participants.filter((p) => p.isAdmin).length;
      assert.equal(admins, want.participants.filter((p) => p.isAdmin).length, `${want.subject}: admins`);
      // Participants known by phone number keep it; privacy ids stay @lid.
      for (const p of want.participants) {
        const id = p.id;
        assert.ok(got.participants.some((q) => q.id._serialized === id), `${want.subject}: ${id.replace(/\d{6}/, "…")}`);
      }
    }
  });

  let contactMsg, groupMsg, contactTarget;
  it("sendMessage to a contact lands once in the ledger", async () => {
    const groups = (await sim.get("/_sim/groups")).filter((g) => g.members_of.includes(RAVI));
    const person = groups.flatMap((g) => g.participants).find((p) => p.id.endsWith("@c.us") && p.id !== RAVI_WID);
    contactTarget = "+" + person.id.split("@")[0];
    // As the library's guide says: resolve the number first, then send to it.
    const numberId = await client.getNumberId(person.id.split("@")[0]);
    assert.equal(numberId._serialized, person.id);
    contactMsg = await client.sendMessage(numberId._serialized, "Hello from whatsapp-web.js");
    assert.ok(contactMsg?.id?.id, "sendMessage returns the message");
    const entries = await eventually(async () => {
      const list = await sim.get(`/_sim/ledger?accepted=true&id=${contactMsg.id.id}`);
      return list.length ? list : null;
    }, "the contact message in the ledger");
    assert.equal(entries.length, 1);
    assert.equal(entries[0].submissions, 1);
    assert.equal(entries[0].target, contactTarget);
    assert.equal(entries[0].from, RAVI);
    assert.equal(entries[0].text, "Hello from whatsapp-web.js");
  });

  it("sendMessage to a group lands once in the ledger", async () => {
    const group = (await sim.get("/_sim/groups")).find((g) => g.members_of.includes(RAVI) && !g.announce);
    groupMsg = await client.sendMessage(group.id, "Hello group from whatsapp-web.js");
    assert.ok(groupMsg?.id?.id);
    const entries = await eventually(async () => {
      const list = await sim.get(`/_sim/ledger?accepted=true&id=${groupMsg.id.id}`);
      return list.length ? list : null;
    }, "the group message in the ledger");
    assert.equal(entries.length, 1);
    assert.equal(entries[0].submissions, 1);
    assert.equal(entries[0].chat, group.id);
    assert.equal(entries[0].text, "Hello group from whatsapp-web.js");
  });

  it("message_ack reaches 3 when the simulator acks", async () => {
    for (const msg of [contactMsg, groupMsg]) {
      const read = waitFor(client, "message_ack", (m, ack) => m.id.id === msg.id.id && ack === 3, 20_000);
      await sim.post("/_sim/acks", { id: msg.id.id, ack: 3 });
      const [m, ack] = await read;
      assert.equal(ack, 3);
      assert.equal(m.ack, 3);
      assert.equal(m.fromMe, true);
    }
    // Acks never made a second copy.
    for (const msg of [contactMsg, groupMsg]) {
      const list = await sim.get(`/_sim/ledger?id=${msg.id.id}`);
      assert.equal(list.length, 1);
      assert.equal(list[0].submissions, 1);
    }
  });

  it("an inbound message from the control API fires message", async () => {
    const text = "Reply from the phone " + Date.now();
    const heard = waitFor(client, "message", (m) => m.body === text, 20_000);
    const { id } = await sim.post("/_sim/inbound", { from: contactTarget, to: RAVI, text });
    const [m] = await heard;
    assert.equal(m.id.id, id);
    assert.equal(m.fromMe, false);
    assert.equal(m.type, "chat");
  });

  it("a restart with LocalAuth comes back without a QR", async () => {
    await client.destroy();
    const before = qrs.length;
    client = newClient();
    const ready = waitFor(client, "ready", () => true, 90_000);
    await client.initialize();
    await ready;
    assert.equal(qrs.length, before, "no QR after the restart");
    assert.equal(client.info.wid._serialized, RAVI_WID);
    const phone = (await sim.get("/_sim/phones")).find((p) => p.phone === RAVI);
    assert.equal(phone.linked_devices, 1, "the same linked device, not a new one");
    // And it still sends.
    const msg = await client.sendMessage(contactTarget.slice(1) + "@c.us", "After the restart");
    const list = await eventually(async () => {
      const l = await sim.get(`/_sim/ledger?accepted=true&id=${msg.id.id}`);
      return l.length ? l : null;
    }, "the message after the restart");
    assert.equal(list[0].submissions, 1);
  });
});
