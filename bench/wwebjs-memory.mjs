// Memory of one linked WhatsApp Web session opened the way whatsapp-web.js
// opens it: puppeteer(-core) on the same Chromium, puppeteer's default
// launch flags plus the two that whatsapp-web.js setups almost always add
// (--no-sandbox --disable-setuid-sandbox). Flock's own figures come from
// `flockctl accounts bench`; scripts/bench.sh prints both in one run.
//   node bench/wwebjs-memory.mjs <simulator url> <phone> [browser path]
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer from "puppeteer-core";

const [simUrl, phone, browserPath = "/usr/bin/chromium"] = process.argv.slice(2);
if (!simUrl || !phone) {
  console.error("usage: node bench/wwebjs-memory.mjs <simulator url> <phone> [browser path]");
  process.exit(2);
}

/** PSS (KiB) of a process and all its descendants, from /proc. */
function treePssKib(root) {
  const children = new Map();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(name));
    } catch {}
  }
  let total = 0;
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop();
    try {
      const m = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8").match(/^Pss:\s+(\d+) kB/m);
      if (m) total += Number(m[1]);
    } catch {}
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

const profile = mkdtempSync(join(tmpdir(), "wwebjs-profile-"));
const browser = await puppeteer.launch({
  executablePath: browserPath,
  headless: true,
  userDataDir: profile,
  args: ["--no-sandbox", "--disable-setuid-sandbox"],
});
try {
  const page = await browser.newPage();
  await page.goto(simUrl, { waitUntil: "domcontentloaded", timeout: 60_000 });
  const payload = await page.waitForFunction(
    () => document.querySelector("[data-ref]")?.getAttribute("data-ref") || false,
    { timeout: 60_000 },
  ).then((h) => h.jsonValue());
  const scan = await fetch(new URL("/_sim/scan", simUrl), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ qr: payload, phone }),
  });
  if (!scan.ok) throw new Error(`scan refused: ${scan.status} ${await scan.text()}`);
  await page.waitForFunction(
    () => {
      try {
        const { Socket } = window.require("WAWebSocketModel");
        return Socket.state === "CONNECTED" && Socket.hasSynced;
      } catch {
        return false;
      }
    },
    { timeout: 120_000, polling: 250 },
  );
  await new Promise((r) => setTimeout(r, 3000)); // let the page settle, as Flock's bench does
  const kib = treePssKib(browser.process().pid);
  // One row of the table scripts/bench.sh prints.
  console.log(`| whatsapp-web.js flags (puppeteer-core) | ${browserPath} | ${Math.round(kib / 1024)} MiB |`);
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
