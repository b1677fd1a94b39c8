// Canned log lines for the Logs page's tests: what the core would have parsed and masked.
import type { LogEntry, LogLevel, LogPage } from "../../lib/api";

export const TODAY = "flock.2026-12-01.log";
export const YESTERDAY = "flock.2026-11-30.log";

/** A line at `offset` (each fixture line is 100 bytes long, so offsets are 0, 100, 200, …). */
export function logEntry(
  index: number,
  message: string,
  level: LogLevel = "info",
  fields: Record<string, string> = {},
  target = "flock_core::accounts::persist",
): LogEntry {
  const seconds = String(index % 60).padStart(2, "0");
  return { offset: index * 100, line: { time: `2026-12-01T10:00:${seconds}Z`, level, target, message, fields } };
}

export function logPage(entries: LogEntry[], options: Partial<LogPage> = {}): LogPage {
  const last = entries[entries.length - 1];
  return {
    file: TODAY,
    entries,
    start: entries[0]?.offset ?? 0,
    end: last ? last.offset + 100 : 0,
    more: false,
    ...options,
  };
}
