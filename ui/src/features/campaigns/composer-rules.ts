// The composer's forms, how they become a draft update and back, and what stops
// each step. Pure: tested without rendering. The core checks everything again
// when the campaign starts; these checks only say early what it would refuse.
import type { ContactQuery } from "../../lib/api";
import type {
  AudienceCount,
  CsvChoice,
  Day,
  DraftAudience,
  DraftMessage,
  DraftView,
  MediaChoice,
  MediaInfo,
  ScheduleInput,
  SenderView,
  TemplateCheck,
} from "../../lib/api.campaigns";
import { bytes, num } from "./campaign-format";

export const STEPS = [
  { id: "message", label: "Message" },
  { id: "audience", label: "Audience" },
  { id: "accounts", label: "Accounts and pace" },
  { id: "schedule", label: "Schedule" },
  { id: "review", label: "Review" },
] as const;
export type StepId = (typeof STEPS)[number]["id"];

export const DAYS: { id: Day; label: string }[] = [
  { id: "mon", label: "Mon" },
  { id: "tue", label: "Tue" },
  { id: "wed", label: "Wed" },
  { id: "thu", label: "Thu" },
  { id: "fri", label: "Fri" },
  { id: "sat", label: "Sat" },
  { id: "sun", label: "Sun" },
];

export type MessageForm = { text: string; link: string; media: MediaChoice; mediaInfo: MediaInfo | null };

/** One contact filter of the audience: the Contacts page's fields. */
export type FilterForm = {
  search: string;
  tag: string;
  region: string;
  district: string;
  segment: string;
  groupId: number | null;
  /** "permitted": consent on record or wrote to us first. */
  basis: "any" | "consent" | "permitted";
};

export type AudienceForm = {
  groups: string[];
  filters: FilterForm[];
  /** Numbers, one a line (or separated by commas). */
  contacts: string;
  defaultCountry: string;
  csv: CsvChoice;
};

export type ScheduleForm = {
  when: "now" | "later";
  date: string;
  time: string;
  timeZone: string;
  quiet: boolean;
  quietStart: string;
  quietEnd: string;
  days: Day[];
};

export function emptyFilter(): FilterForm {
  return { search: "", tag: "", region: "", district: "", segment: "", groupId: null, basis: "any" };
}

const text = (s: string) => (s.trim() ? s.trim() : null);

export function filterToQuery(f: FilterForm): ContactQuery {
  return {
    search: text(f.search),
    tag: text(f.tag),
    region: text(f.region),
    district: text(f.district),
    segment: text(f.segment),
    groupId: f.groupId,
    consent: f.basis === "consent" ? true : null,
    permitted: f.basis === "permitted" ? true : null,
  };
}

export function queryToFilter(q: ContactQuery): FilterForm {
  return {
    search: q.search ?? "",
    tag: q.tag ?? "",
    region: q.region ?? "",
    district: q.district ?? "",
    segment: q.segment ?? "",
    groupId: q.groupId ?? null,
    basis: q.permitted ? "permitted" : q.consent ? "consent" : "any",
  };
}

/** A filter that names nothing would take every contact: kept out of the draft until it says something. */
export function filterIsEmpty(f: FilterForm): boolean {
  return !text(f.search) && !text(f.tag) && !text(f.region) && !text(f.district) && !text(f.segment) && f.groupId === null && f.basis === "any";
}

export function splitNumbers(s: string): string[] {
  return s
    .split(/[\n,;]+/)
    .map((x) => x.trim())
    .filter(Boolean);
}

export function messageUpdate(f: MessageForm): DraftMessage {
  return { text: f.text, media: f.media, link: text(f.link) };
}

export function audienceUpdate(f: AudienceForm): DraftAudience {
  return {
    groups: [...f.groups],
    filters: f.filters.filter((x) => !filterIsEmpty(x)).map(filterToQuery),
    contacts: splitNumbers(f.contacts),
    defaultCountry: f.defaultCountry.trim().toUpperCase() || "IN",
    csv: f.csv,
  };
}

export function scheduleUpdate(f: ScheduleForm): ScheduleInput {
  return {
    startLocal: f.when === "later" && f.date && f.time ? `${f.date}T${f.time}:00` : null,
    quietHours: f.quiet ? { start: f.quietStart, end: f.quietEnd } : null,
    days: [...f.days],
    timeZone: f.timeZone,
  };
}

export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

export function messageForm(d: DraftView): MessageForm {
  const c = d.campaign;
  return { text: c.text, link: c.link ?? "", media: d.media ? { kind: "keep" } : { kind: "none" }, mediaInfo: d.media };
}

export function audienceForm(d: DraftView): AudienceForm {
  const a = d.campaign.audience;
  return {
    groups: [...(a.groups ?? [])],
    filters: (a.filters ?? []).map(queryToFilter),
    contacts: (a.contacts ?? []).join("\n"),
    defaultCountry: "IN",
    csv: { kind: "keep" },
  };
}

export function scheduleForm(d: DraftView): ScheduleForm {
  const s = d.campaign.schedule;
  const [date, time] = d.startLocal ? d.startLocal.split("T") : ["", ""];
  return {
    when: d.startLocal ? "later" : "now",
    date,
    time: time ? time.slice(0, 5) : "",
    timeZone: s?.timeZone || localTimeZone(),
    quiet: !!s?.quietHours,
    quietStart: s?.quietHours?.start ?? "21:00",
    quietEnd: s?.quietHours?.end ?? "09:00",
    days: s?.days?.length ? [...s.days] : DAYS.map((x) => x.id),
  };
}

// ---- what stops a step ------------------------------------------------------------------

const URL_RE = /^https?:\/\/[^\s/$.?#].[^\s]*$/i;

/** `check`: the core's answer for the text as it is now (`null` while it has not answered). */
export function messageProblems(f: MessageForm, check: TemplateCheck | null): string[] {
  const out: string[] = [];
  if (!f.text.trim() && f.media.kind === "none") out.push("Write a message or attach a file.");
  if (check) {
    for (const p of check.problems) out.push(p.position ? `Line ${p.position.line}, column ${p.position.column}: ${p.message}` : p.message);
    if (check.chars > check.maxChars) out.push(`The text is ${num(check.chars)} characters; WhatsApp takes at most ${num(check.maxChars)}.`);
  }
  if (f.mediaInfo && f.mediaInfo.size > f.mediaInfo.maxBytes) {
    out.push(`${f.mediaInfo.fileName} is ${bytes(f.mediaInfo.size)}; WhatsApp takes at most ${bytes(f.mediaInfo.maxBytes)} for this kind of file.`);
  }
  if (f.link.trim() && !URL_RE.test(f.link.trim())) out.push("The link must start with http:// or https://.");
  return out;
}

export function audienceProblems(f: AudienceForm, count: AudienceCount | null, hasCsv: boolean): string[] {
  const chosen =
    f.groups.length > 0 || f.filters.some((x) => !filterIsEmpty(x)) || splitNumbers(f.contacts).length > 0 || hasCsv || f.csv.kind === "file";
  if (!chosen) return ["Choose groups, contacts or a CSV."];
  if (count && count.targets > 0 && count.toSend === 0) return ["Every target would be skipped: nobody to send to."];
  if (count && count.targets === 0) return ["No target matches what is chosen."];
  return [];
}

/** `chosen` empty: every active account. */
export function accountProblems(chosen: number[], senders: SenderView[]): string[] {
  const pool = chosen.length ? senders.filter((s) => chosen.includes(s.accountId)) : senders;
  if (senders.length === 0) return ["No account yet: add and link one on the Accounts page."];
  if (!pool.some((s) => s.usable)) {
    return [chosen.length ? "None of the chosen accounts can send now." : "No account can send now: link one on the Accounts page."];
  }
  return [];
}

/** `now`: the current instant, to refuse a start in the past (compared in the chosen zone). */
export function scheduleProblems(f: ScheduleForm, now: Date = new Date()): string[] {
  const out: string[] = [];
  if (!f.timeZone.trim()) out.push("Choose a time zone.");
  if (f.when === "later") {
    if (!f.date || !f.time) out.push("Give the start date and time.");
    else if (f.timeZone.trim() && wallTimeInZone(now, f.timeZone) > `${f.date}T${f.time}`) out.push("The start is in the past.");
  }
  if (f.days.length === 0) out.push("Choose at least one day to send on.");
  if (f.quiet) {
    if (!f.quietStart || !f.quietEnd) out.push("Give when quiet hours start and end.");
    else if (f.quietStart === f.quietEnd) out.push("Quiet hours must start and end at different times.");
  }
  return out;
}

/** "2026-12-02T14:05": `at` as wall time in `zone` (an unknown zone: UTC). */
export function wallTimeInZone(at: Date, zone: string): string {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat("en-CA", {
      timeZone: zone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).formatToParts(at);
  } catch {
    return at.toISOString().slice(0, 16);
  }
  const v = (t: string) => parts.find((p) => p.type === t)?.value ?? "00";
  return `${v("year")}-${v("month")}-${v("day")}T${v("hour")}:${v("minute")}`;
}
