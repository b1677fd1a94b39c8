// How a log line's parts are shown. The core parsed and masked them; this only formats.

/** `10:04:05.123` in the local time zone; a line without a time shows nothing. */
export function timeOfDay(time: string | null): string {
  if (!time) return "";
  const d = new Date(time);
  if (Number.isNaN(d.getTime())) return "";
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, "0")}`;
}

/** The date and time, for the details of one line. */
export function fullTime(time: string | null): string {
  if (!time) return "no time (not a Flock line)";
  const d = new Date(time);
  return Number.isNaN(d.getTime()) ? time : d.toLocaleString();
}

/** `flock_core::accounts::persist` → `accounts::persist` (the crate name adds little). */
export function shortTarget(target: string): string {
  const parts = target.split("::");
  return parts.length > 2 ? parts.slice(1).join("::") : target;
}

/** `account=3 to=logged_out`, in the core's order (by name). */
export function fieldsText(fields: Partial<Record<string, string>>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${v ?? ""}`)
    .join(" ");
}

/**
 * Lines per minute over the `minutes` minutes up to the newest line's (oldest first), for the
 * sparkline: counted from the lines on screen, so it follows the filter. Lines without a
 * time are left out.
 */
export function linesPerMinute(entries: { line: { time: string | null } }[], minutes = 30): { labels: string[]; values: number[] } {
  const times = entries.map((e) => (e.line.time ? Date.parse(e.line.time) : NaN)).filter((t) => !Number.isNaN(t));
  if (times.length === 0) return { labels: [], values: [] };
  const MINUTE = 60_000;
  const last = Math.floor(Math.max(...times) / MINUTE);
  const first = last - minutes + 1;
  const values = new Array<number>(minutes).fill(0);
  for (const t of times) {
    const m = Math.floor(t / MINUTE);
    if (m >= first) values[m - first] += 1;
  }
  const labels = values.map((_, i) => {
    const d = new Date((first + i) * MINUTE);
    return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
  });
  return { labels, values };
}
