// Screenshots and failure artifacts for the end-to-end tests.
import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

/** e2e/artifacts/ (absolute, with a trailing slash). */
export const ARTIFACTS = fileURLToPath(new URL("./artifacts/", import.meta.url));

// WebKitWebDriver's screenshot can return a stale frame under Xvfb (seen: the
// first paint, before the page updated). What the X display shows is what a
// person would see, so take that when we can and fall back to WebDriver.
/**
 * Writes a PNG of the app window to `file` (folders created) and returns the path.
 * @param {import("./webdriver.mjs").Session} session
 * @param {string} file
 */
export async function saveWindowScreenshot(session, file) {
  await mkdir(dirname(file), { recursive: true });
  if (process.env.DISPLAY) {
    try {
      execFileSync("import", ["-window", "root", file], { timeout: 20_000 });
      return file;
    } catch {
      // ImageMagick missing or the display gone: use WebDriver's picture.
    }
  }
  return session.saveScreenshot(file);
}

/**
 * After a failure: a screenshot and the page source, named `<name>.png` / `<name>.html`.
 * Never throws (it runs while another error is on its way).
 * @param {import("./webdriver.mjs").Session} session
 * @param {{ diagnostic(message: string): void }} t
 */
export async function saveFailureArtifacts(session, t, name = "failure") {
  try {
    await saveWindowScreenshot(session, `${ARTIFACTS}${name}.png`);
    await mkdir(ARTIFACTS, { recursive: true });
    await writeFile(`${ARTIFACTS}${name}.html`, String(await session.pageSource()));
    t.diagnostic(`failure screenshot and page source: ${ARTIFACTS}${name}.png, ${name}.html`);
  } catch (e) {
    t.diagnostic(`could not save failure artifacts: ${e.message}`);
  }
}

/**
 * Resizes the app window to `width`×`height` (at the screen's top left) and waits for the page
 * to see the new size. Returns the viewport the page reports.
 * @param {import("./webdriver.mjs").Session} session
 */
export async function resizeWindow(session, { width, height }) {
  await session.cmd("POST", "/window/rect", { x: 0, y: 0, width, height });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const seen = await session.execute("return [window.innerWidth, window.innerHeight]");
    if ((seen[0] === width && seen[1] === height) || Date.now() > deadline) return { width: seen[0], height: seen[1] };
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * A PNG of the window's top-left `width`×`height` (the window after `resizeWindow`): the X
 * display's picture cropped to it, or WebDriver's picture of the window.
 * @param {import("./webdriver.mjs").Session} session
 * @param {string} file
 */
export async function saveWindowScreenshotAt(session, file, { width, height }) {
  await mkdir(dirname(file), { recursive: true });
  if (process.env.DISPLAY) {
    try {
      execFileSync("import", ["-window", "root", "-crop", `${width}x${height}+0+0`, "+repage", file], { timeout: 20_000 });
      return file;
    } catch {
      // ImageMagick missing or the display gone: use WebDriver's picture.
    }
  }
  return session.saveScreenshot(file);
}
