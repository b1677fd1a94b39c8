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
