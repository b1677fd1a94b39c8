// How account facts read on screen.
import type { AccountState, AccountView } from "../../lib/api";

export type Tone = "ok" | "busy" | "warn" | "danger" | "idle";

const STATES = {
  new: { label: "Not linked", tone: "idle" },
  waiting_for_scan: { label: "Waiting for scan", tone: "busy" },
  syncing: { label: "Syncing…", tone: "busy" },
  active: { label: "Active", tone: "ok" },
  reconnecting: { label: "Reconnecting…", tone: "busy" },
  link_expired: { label: "Link expired", tone: "warn" },
  failed: { label: "Failed", tone: "danger" },
  logged_out: { label: "Logged out", tone: "warn" },
  restricted: { label: "Restricted (sending paused)", tone: "danger" },
} satisfies Record<AccountState, { label: string; tone: Tone }>;

export function stateLabel(state: AccountState): string {
  return STATES[state]?.label ?? state;
}

export function stateTone(state: AccountState): Tone {
  return STATES[state]?.tone ?? "idle";
}

/** Team mode: "Running on Desk B", "Offline on Desk B since 10:42"; null when it runs here (or nowhere). */
export function deskLabel(account: AccountView): string | null {
  const d = account.desk;
  if (d === null || d.here) return null;
  if (d.online) return `Running on ${d.name}`;
  const since = d.expiresAt ? new Date(Date.parse(d.expiresAt)).toLocaleString() : null;
  return since ? `Offline on ${d.name} since ${since}` : `Offline on ${d.name}`;
}

/** States from which "Link" starts (or restarts) linking. */
export function canLink(account: AccountView): boolean {
  return ["new", "waiting_for_scan", "link_expired", "failed", "logged_out"].includes(account.state);
}

/** States in which the account is (or is becoming) a linked device that can be logged out. */
export function canLogout(account: AccountView): boolean {
  return ["syncing", "active", "reconnecting", "restricted"].includes(account.state);
}

/** PSS in KiB → "182 MB" (one decimal under 10 MB); null → "—". */
export function memoryLabel(kib: number | null): string {
  if (kib === null || !Number.isFinite(kib)) return "—";
  const mb = kib / 1024;
  return `${mb < 10 ? mb.toFixed(1) : Math.round(mb)} MB`;
}

/** "just now", "5 min ago", "3 h ago", "2 days ago", then the date. */
export function lastSeenLabel(iso: string | null, now: number = Date.now()): string {
  if (!iso) return "—";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "—";
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return "just now";
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min ago`;
  const h = Math.floor(min / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.floor(h / 24);
  if (d < 7) return d === 1 ? "yesterday" : `${d} days ago`;
  return new Date(t).toLocaleDateString();
}

/** "K7QW2M9X" → ["K7QW", "2M9X"], read as WhatsApp shows it (K7QW-2M9X). */
export function pairingCodeGroups(code: string): string[] {
  const clean = code.replace(/[^0-9A-Za-z]/g, "").toUpperCase();
  return clean.length === 8 ? [clean.slice(0, 4), clean.slice(4)] : [clean];
}

/** The core's QR SVG starts with an XML declaration, which HTML does not want. */
export function inlineSvg(svg: string): string {
  return svg.replace(/^\s*<\?xml[^>]*\?>\s*/i, "");
}
