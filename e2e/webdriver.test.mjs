// Checks the WebDriver client against a small fake W3C remote end on loopback,
// so the client is known to speak the protocol before the real app exists.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, describe, it } from "node:test";
import { ELEMENT_KEY, WebDriverError, command, createSession, deleteSession, waitFor } from "./webdriver.mjs";

const PNG_1PX = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

/** @type {{method: string, url: string, body: any}[]} */
const requests = [];
let server;
let base;
let renders = 0;

function reply(res, status, value) {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify({ value }));
}

before(async () => {
  server = createServer(async (req, res) => {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const body = raw ? JSON.parse(raw) : undefined;
    requests.push({ method: req.method, url: req.url, body });
    const route = `${req.method} ${req.url}`;
    if (route === "POST /session") {
      return reply(res, 200, { sessionId: "s1", capabilities: { browserName: "wry" } });
    }
    if (route === "POST /session/s1/element") {
      if (body.value === "#missing") {
        return reply(res, 404, { error: "no such element", message: `Unable to locate ${body.value}`, stacktrace: "" });
      }
      return reply(res, 200, { [ELEMENT_KEY]: "e-1" });
    }
    if (route === "POST /session/s1/elements") {
      renders += 1;
      return reply(res, 200, renders < 3 ? [] : [{ [ELEMENT_KEY]: "e-1" }, { [ELEMENT_KEY]: "e-2" }]);
    }
    if (route === "POST /session/s1/element/e-1/click") return reply(res, 200, null);
    if (route === "GET /session/s1/element/e-1/text") return reply(res, 200, "Settings");
    if (route === "GET /session/s1/screenshot") return reply(res, 200, PNG_1PX);
    if (route === "DELETE /session/s1") return reply(res, 200, null);
    if (req.url?.startsWith("/session/gone")) {
      return reply(res, 404, { error: "invalid session id", message: "session gone", stacktrace: "" });
    }
    return reply(res, 404, { error: "unknown command", message: route, stacktrace: "" });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});

after(() => new Promise((resolve) => server.close(resolve)));

describe("webdriver client", () => {
  it("speaks W3C: session, find, click, text, screenshot, delete", async () => {
    const session = await createSession(base, { "tauri:options": { application: "/bin/flock" }, browserName: "wry" });
    assert.equal(session.id, "s1");
    assert.deepEqual(requests[0].body, {
      capabilities: { alwaysMatch: { "tauri:options": { application: "/bin/flock" }, browserName: "wry" } },
    });

    const el = await session.find('[data-nav="settings"]');
    assert.equal(el, "e-1");
    assert.deepEqual(requests.at(-1).body, { using: "css selector", value: '[data-nav="settings"]' });

    await session.click(el);
    assert.deepEqual(requests.at(-1), { method: "POST", url: "/session/s1/element/e-1/click", body: {} });
    assert.equal(await session.text("css:#anything"), "Settings");

    const png = await session.screenshot();
    assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);

    assert.equal(await deleteSession(session), undefined);
    assert.deepEqual(requests.at(-1), { method: "DELETE", url: "/session/s1", body: undefined });
  });

  it("reports W3C errors with their code", async () => {
    const session = await createSession(base, {});
    await assert.rejects(session.find("#missing"), (e) => {
      assert.ok(e instanceof WebDriverError);
      assert.equal(e.error, "no such element");
      assert.equal(e.status, 404);
      assert.match(e.message, /POST \/session\/s1\/element: no such element: Unable to locate #missing/);
      return true;
    });
  });

  it("waitFor polls until the condition holds, and times out with what it last saw", async () => {
    const session = await createSession(base, {});
    const els = await waitFor(async () => {
      const found = await session.findAll("[data-nav]");
      return found.length === 2 && found;
    }, { timeout: 5_000, interval: 10 });
    assert.deepEqual(els, ["e-1", "e-2"]);

    await assert.rejects(
      waitFor(() => session.find("#missing"), { timeout: 200, interval: 20, what: "#missing" }),
      /Timed out after 200 ms waiting for #missing \(last error: .*no such element/,
    );
  });

  it("fails at once on a lost session instead of waiting out the deadline", async () => {
    const started = Date.now();
    await assert.rejects(
      waitFor(() => command(base, "GET", "/session/gone/title"), { timeout: 5_000 }),
      (e) => e.error === "invalid session id",
    );
    assert.ok(Date.now() - started < 2_000);
  });

  it("says clearly when no WebDriver server is listening", async () => {
    const closed = createServer();
    await new Promise((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = closed.address().port;
    await new Promise((resolve) => closed.close(resolve));
    await assert.rejects(createSession(`http://127.0.0.1:${port}`, {}), (e) => {
      assert.equal(e.error, "unreachable");
      assert.match(e.message, /cannot reach the WebDriver server \(ECONNREFUSED\); is tauri-driver running there\?/);
      return true;
    });
  });
});
