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
