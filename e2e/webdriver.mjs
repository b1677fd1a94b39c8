// A tiny W3C WebDriver client over fetch (no dependencies), for tauri-driver.
// Spec: https://www.w3.org/TR/webdriver2/ . Every command answers
// {"value": ...}; an error answers 4xx/5xx with {"value": {error, message, stacktrace}}.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/** W3C §12 Elements: "The web element identifier is the string constant element-6066-11e4-a52e-4f735466cecf". */
export const ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf";

export class WebDriverError extends Error {
  /**
   * @param {string} message
   * @param {{ error?: string, status?: number, command?: string, stacktrace?: string, cause?: unknown }} details
   */
  constructor(message, details = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "WebDriverError";
    /** W3C error code, e.g. "no such element", "invalid session id"; "unreachable" when there is no server. */
    this.error = details.error ?? "unknown error";
    this.status = details.status;
    this.command = details.command;
    this.stacktrace = details.stacktrace;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends one WebDriver command and returns its `value`.
 * @param {string} baseUrl e.g. http://127.0.0.1:4444
 * @param {"GET"|"POST"|"DELETE"} method
 * @param {string} path e.g. /session
 * @param {unknown} [body] POST commands always send a JSON object ({} when empty)
 * @param {number} [timeoutMs]
 */
export async function command(baseUrl, method, path, body, timeoutMs = 30_000) {
  // Relative join keeps a base path such as http://host:4444/wd/hub.
  const url = new URL(path.replace(/^\//, ""), baseUrl.replace(/\/?$/, "/")).href;
  const name = `${method} ${path}`;
  let response;
  try {
    response = await fetch(url, {
      method,
      headers: method === "POST" ? { "content-type": "application/json; charset=utf-8" } : {},
      body: method === "POST" ? JSON.stringify(body ?? {}) : undefined,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (cause) {
    const reason = /** @type {any} */ (cause)?.cause?.code ?? /** @type {any} */ (cause)?.name ?? String(cause);
    const hint =
      reason === "TimeoutError"
        ? `no answer within ${timeoutMs} ms`
        : `cannot reach the WebDriver server (${reason}); is tauri-driver running there?`;
    throw new WebDriverError(`${name} at ${url}: ${hint}`, { error: "unreachable", command: name, cause });
  }

  const raw = await response.text();
  let json;
  try {
    json = raw ? JSON.parse(raw) : {};
  } catch {
    throw new WebDriverError(`${name}: HTTP ${response.status}, not JSON: ${raw.slice(0, 300)}`, {
      status: response.status,
      command: name,
    });
  }
  const value = json?.value;
  if (!response.ok || (value && typeof value === "object" && typeof value.error === "string")) {
    const error = value?.error ?? `http ${response.status}`;
    const message = value?.message ?? raw.slice(0, 300);
    throw new WebDriverError(`${name}: ${error}: ${message}`, {
      error,
      status: response.status,
      command: name,
      stacktrace: value?.stacktrace,
    });
  }
  return value;
}

/** The element reference from a Find Element answer. */
export function elementId(value, what = "element") {
  const id = value && typeof value === "object" ? value[ELEMENT_KEY] : undefined;
  if (typeof id !== "string") {
    throw new WebDriverError(`${what}: answer has no "${ELEMENT_KEY}" key: ${JSON.stringify(value)}`, {
      error: "invalid response",
    });
  }
  return id;
}

export class Session {
  /** @param {string} baseUrl @param {string} id @param {Record<string, unknown>} capabilities */
  constructor(baseUrl, id, capabilities) {
    this.baseUrl = baseUrl;
    this.id = id;
    this.capabilities = capabilities;
  }

  /** @param {"GET"|"POST"|"DELETE"} method @param {string} path relative to /session/{id} */
  cmd(method, path, body, timeoutMs) {
    return command(this.baseUrl, method, `/session/${encodeURIComponent(this.id)}${path}`, body, timeoutMs);
  }

  /** First element matching a CSS selector; throws WebDriverError "no such element" when none. */
  async find(css) {
    return elementId(await this.cmd("POST", "/element", { using: "css selector", value: css }), css);
  }

  /** First element matching a CSS selector inside `element` (Find Element From Element). */
  async findIn(element, css) {
    const ref = encodeURIComponent(await this.#ref(element));
    return elementId(await this.cmd("POST", `/element/${ref}/element`, { using: "css selector", value: css }), css);
  }

  /** All elements matching a CSS selector (possibly none). */
  async findAll(css) {
    const list = await this.cmd("POST", "/elements", { using: "css selector", value: css });
    return (Array.isArray(list) ? list : []).map((v) => elementId(v, css));
  }

  /** @param {string} element a reference from find(), or "css:<selector>" to find it first */
  async click(element) {
    await this.cmd("POST", `/element/${encodeURIComponent(await this.#ref(element))}/click`, {});
  }

  /** Types text into an input (Element Send Keys). */
  async type(element, text) {
    await this.cmd("POST", `/element/${encodeURIComponent(await this.#ref(element))}/value`, { text });
  }

  /** Rendered text of an element (a reference, or "css:<selector>"). */
  async text(element) {
    return this.cmd("GET", `/element/${encodeURIComponent(await this.#ref(element))}/text`);
  }

  async attribute(element, name) {
    const ref = encodeURIComponent(await this.#ref(element));
    return this.cmd("GET", `/element/${ref}/attribute/${encodeURIComponent(name)}`);
  }

  /** Runs a function body in the page: execute("return document.title"). */
  execute(script, args = []) {
    return this.cmd("POST", "/execute/sync", { script, args });
  }

  pageSource() {
    return this.cmd("GET", "/source");
  }

  /** PNG bytes of the current window. */
  async screenshot() {
    const base64 = await this.cmd("GET", "/screenshot", undefined, 60_000);
    if (typeof base64 !== "string" || base64.length === 0) {
      throw new WebDriverError("GET /screenshot: empty answer", { error: "invalid response" });
    }
    return Buffer.from(base64, "base64");
  }

  /** Writes a PNG screenshot to `path` (folders created) and returns the path. */
  async saveScreenshot(path) {
    const png = await this.screenshot();
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, png);
    return path;
  }

  async delete() {
    await this.cmd("DELETE", "", undefined, 30_000);
  }

  async #ref(element) {
    return element.startsWith("css:") ? this.find(element.slice(4)) : element;
  }
}

/**
 * New Session (W3C §8.1). tauri-driver starts the app from tauri:options.application.
 * @param {string} baseUrl
 * @param {Record<string, unknown>} alwaysMatch
 */
export async function createSession(baseUrl, alwaysMatch, { timeoutMs = 120_000 } = {}) {
  const value = await command(baseUrl, "POST", "/session", { capabilities: { alwaysMatch } }, timeoutMs);
  if (!value || typeof value.sessionId !== "string") {
    throw new WebDriverError(`POST /session: no sessionId in ${JSON.stringify(value)}`, { error: "invalid response" });
  }
  return new Session(baseUrl, value.sessionId, value.capabilities ?? {});
}

/** Deletes a session; never throws (for `finally` blocks), returns the error if any. */
export async function deleteSession(session) {
  if (!session) return undefined;
  try {
    await session.delete();
    return undefined;
  } catch (e) {
    return e;
  }
}

/**
 * Polls `condition` until it returns a truthy value (returned) or the deadline passes.
 * Errors thrown by `condition` count as "not yet" (the page may still be rendering),
 * except a lost session or an unreachable server, which fail at once.
 * @template T
 * @param {() => Promise<T> | T} condition
 * @param {{ timeout?: number, interval?: number, what?: string }} [options]
 * @returns {Promise<T>}
 */
export async function waitFor(condition, { timeout = 10_000, interval = 250, what = "condition" } = {}) {
  const deadline = Date.now() + timeout;
  let last = { value: undefined, error: undefined };
  for (;;) {
    try {
      const value = await condition();
      if (value) return value;
      last = { value, error: undefined };
    } catch (error) {
      if (error instanceof WebDriverError && ["invalid session id", "unreachable"].includes(error.error)) throw error;
      last = { value: undefined, error };
    }
    if (Date.now() >= deadline) {
      const seen = last.error ? `last error: ${last.error.message ?? last.error}` : `last value: ${JSON.stringify(last.value)}`;
      throw new WebDriverError(`Timed out after ${timeout} ms waiting for ${what} (${seen})`, {
        error: "timeout",
        cause: last.error,
      });
    }
    await sleep(Math.min(interval, Math.max(0, deadline - Date.now())));
  }
}
