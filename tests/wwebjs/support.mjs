// Harness for running whatsapp-web.js, unmodified, against Flock's
// simulator: starts `flockctl sim serve`, points the library's URL constant
// at it (the only change: its own code stays as npm ships it), and gives
// small helpers for the control API.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const require = createRequire(import.meta.url);

/** The browser: FLOCK_TEST_BROWSER, else the headless shell, else Chromium. */
export function browserPath() {
  const candidates = [
    process.env.FLOCK_TEST_BROWSER,
    "/usr/lib/chromium/chromium-headless-shell",
    "/usr/bin/chromium",
  ].filter(Boolean);
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new Error(`no browser found (tried ${candidates.join(", ")}): install chromium-headless-shell or set FLOCK_TEST_BROWSER`);
  }
  return found;
}

/** A folder that is removed when the test process ends. */
export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Starts `flockctl --json sim serve --port 0 --scenario demo` and resolves
 * with its base URL once it listens. FLOCKCTL overrides the binary.
 */
export async function startSimulator({ scenario = "demo" } = {}) {
  const bin = process.env.FLOCKCTL ?? join(root, "target/debug/flockctl");
  if (!existsSync(bin)) {
    throw new Error(`${bin} not found: build it first (cargo build --workspace --all-targets) or set FLOCKCTL`);
  }
  const home = tempDir("flock-wwebjs-sim-");
  const child = spawn(bin, ["--json", "--data-dir", home, "sim", "serve", "--port", "0", "--scenario", scenario], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, HOME: home },
  });
  process.on("exit", () => child.kill("SIGKILL"));
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error("the simulator did not start within 30 s")), 30_000);
    child.once("exit", (code) => fail(new Error(`the simulator exited with ${code} before listening`)));
    lines.on("line", (line) => {
      try {
        const event = JSON.parse(line);
        if (event.event === "listening") {
          clearTimeout(timer);
          ok(event.url.replace(/\/$/, ""));
        }
      } catch {
        /* not JSON: ignore */
      }
    });
  });
  return new Simulator(url, child);
}

export class Simulator {
  constructor(url, child) {
    this.url = url;
    this.child = child;
  }

  async request(method, path, body) {
    const res = await fetch(this.url + path, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const value = text ? JSON.parse(text) : null;
    if (!res.ok) {
      const err = new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
      err.status = res.status;
      err.body = value;
      throw err;
    }
    return value;
  }

  get(path) {
    return this.request("GET", path);
  }

  post(path, body) {
    return this.request("POST", path, body ?? {});
  }

  stop() {
    this.child.kill("SIGTERM");
  }
}

let loaded = null;
/**
 * whatsapp-web.js with its `WhatsWebURL` constant pointed at `url`. Client.js
 * reads the constant once, when it is first required, so this must run
 * before anything else requires the library (one simulator per process).
 */
export function loadWhatsappWeb(url) {
  const target = url.replace(/\/?$/, "/");
  if (loaded) {
    if (loaded.url !== target) throw new Error(`whatsapp-web.js already points at ${loaded.url}`);
    return loaded.lib;
  }
  const constants = require("whatsapp-web.js/src/util/Constants");
  constants.WhatsWebURL = target;
  const lib = require("whatsapp-web.js");
  loaded = { url: target, lib };
  return lib;
}

/** Launch options as a whatsapp-web.js user would pass them, for this machine. */
export function puppeteerOptions(home) {
  const args = ["--disable-dev-shm-usage", "--no-first-run"];
  if (process.getuid?.() === 0) args.push("--no-sandbox", "--disable-setuid-sandbox");
  return {
    executablePath: browserPath(),
    headless: true,
    args,
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, ".config"), XDG_CACHE_HOME: join(home, ".cache") },
  };
}

/** Resolves with the first `event` for which `test(...args)` holds, or fails after `ms`. */
export function waitFor(emitter, event, test = () => true, ms = 60_000) {
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => {
      emitter.off(event, on);
      fail(new Error(`no matching '${event}' within ${ms / 1000} s`));
    }, ms);
    function on(...args) {
      let hit = false;
      try {
        hit = test(...args);
      } catch {
        hit = false;
      }
      if (!hit) return;
      clearTimeout(timer);
      emitter.off(event, on);
      ok(args);
    }
    emitter.on(event, on);
  });
}

/** Polls `probe` until it returns a truthy value (control-API reads only). */
export async function eventually(probe, what, ms = 20_000) {
  const until = Date.now() + ms;
  let last;
  while (Date.now() < until) {
    last = await probe();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what}: not within ${ms / 1000} s (last: ${JSON.stringify(last)})`);
}
