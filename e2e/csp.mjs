// The Content-Security-Policy of tauri.conf.json, seen from the page: the UI
// records every refusal in window.__flockCspViolations (ui/src/lib/csp.ts).
import assert from "node:assert/strict";
import { waitFor } from "./webdriver.mjs";

/** Fails when the policy refused anything the app did so far. */
export async function assertNoCspViolations(session) {
  const seen = await session.execute("return window.__flockCspViolations ?? null");
  assert.ok(Array.isArray(seen), "the UI records CSP violations (window.__flockCspViolations is missing)");
  assert.deepEqual(seen, [], `the Content-Security-Policy refused: ${JSON.stringify(seen)}`);
}

/** Proves the policy is in force: an inline <style> (which Flock never adds) is refused and recorded. */
export async function assertInlineStylesRefused(session) {
  await session.execute(
    "const s = document.createElement('style'); s.id = 'e2e-inline-style'; s.textContent = 'body { outline: 5px solid red }'; document.head.appendChild(s);",
  );
  const seen = await waitFor(
    async () => {
      const v = await session.execute("return window.__flockCspViolations ?? []");
      return v.length > 0 && v;
    },
    { timeout: 10_000, what: "a CSP violation for the inline <style>" },
  );
  assert.ok(seen.some((v) => v.directive.startsWith("style-src")), JSON.stringify(seen));
  const outline = await session.execute("return getComputedStyle(document.body).outlineStyle");
  assert.notEqual(outline, "solid", "the inline style was refused");
  await session.execute("document.getElementById('e2e-inline-style')?.remove(); window.__flockCspViolations.length = 0;");
}
