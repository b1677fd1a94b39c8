import { describe, expect, it } from "vitest";
import { sampleAudience, sampleCheck, sampleMedia, sampleSender } from "../../lib/api.memory";
import { audienceSentence, progressParts, progressText, routeFromHash } from "./campaign-format";
import {
  accountProblems,
  audienceProblems,
  audienceUpdate,
  emptyFilter,
  messageProblems,
  scheduleProblems,
  scheduleUpdate,
  type AudienceForm,
  type MessageForm,
  type ScheduleForm,
} from "./composer-rules";

const message = (patch: Partial<MessageForm> = {}): MessageForm => ({ text: "Hi {{ first_name }}", link: "", media: { kind: "none" }, mediaInfo: null, ...patch });
const audience = (patch: Partial<AudienceForm> = {}): AudienceForm => ({ groups: [], filters: [], contacts: "", defaultCountry: "IN", csv: { kind: "keep" }, ...patch });
const schedule = (patch: Partial<ScheduleForm> = {}): ScheduleForm => ({
  when: "now",
  date: "",
  time: "",
  timeZone: "Asia/Kolkata",
  quiet: false,
  quietStart: "21:00",
  quietEnd: "09:00",
  days: ["mon", "tue"],
  ...patch,
});

describe("the composer's message step", () => {
  it("needs a text or a file", () => {
    expect(messageProblems(message({ text: "  " }), null)).toEqual(["Write a message or attach a file."]);
    expect(messageProblems(message({ text: "", media: { kind: "file", path: "/p.png" }, mediaInfo: sampleMedia() }), null)).toEqual([]);
  });

  it("shows the core's problems with their line and column, and a text over WhatsApp's limit", () => {
    const check = sampleCheck("x", {
      problems: [{ message: "unknown variable frist_name", fix: "Use first_name", position: { offset: 3, line: 1, column: 4 }, variable: "frist_name", suggestion: "first_name" }],
      chars: 70000,
    });
    expect(messageProblems(message(), check)).toEqual([
      "Line 1, column 4: unknown variable frist_name",
      "The text is 70,000 characters; WhatsApp takes at most 65,536.",
    ]);
    expect(messageProblems(message(), sampleCheck("Hi"))).toEqual([]);
  });

  it("refuses a file over WhatsApp's limit for its kind and a link that is not http(s)", () => {
    const big = sampleMedia({ fileName: "film.mp4", kind: "video", size: 20 * 1024 * 1024, maxBytes: 16 * 1024 * 1024 });
    expect(messageProblems(message({ media: { kind: "file", path: "/film.mp4" }, mediaInfo: big, link: "example.org" }), null)).toEqual([
      "film.mp4 is 20.0 MB; WhatsApp takes at most 16.0 MB for this kind of file.",
      "The link must start with http:// or https://.",
    ]);
    expect(messageProblems(message({ link: "https://example.org/offer" }), null)).toEqual([]);
  });
});

describe("the composer's audience step", () => {
  it("needs groups, a filter that says something, numbers or a CSV", () => {
    expect(audienceProblems(audience({ filters: [emptyFilter()] }), null, false)).toEqual(["Choose groups, contacts or a CSV."]);
    expect(audienceProblems(audience({ groups: ["1@g.us"] }), null, false)).toEqual([]);
    expect(audienceProblems(audience({ filters: [{ ...emptyFilter(), tag: "volunteer" }] }), null, false)).toEqual([]);
    expect(audienceProblems(audience(), null, true)).toEqual([]);
  });

  it("stops when the count leaves nobody to send to", () => {
    const a = audience({ groups: ["1@g.us"] });
    expect(audienceProblems(a, sampleAudience({ targets: 0 }), false)).toEqual(["No target matches what is chosen."]);
    expect(audienceProblems(a, sampleAudience({ targets: 4, toSend: 0, skipped: 4 }), false)).toEqual(["Every target would be skipped: nobody to send to."]);
  });

  it("saves only filters that name something, numbers split, the country upper-cased", () => {
    const update = audienceUpdate(
      audience({ filters: [emptyFilter(), { ...emptyFilter(), tag: " volunteer ", basis: "permitted" }], contacts: "+91 98000 00001, 98000 00002\n\n", defaultCountry: "in" }),
    );
    expect(update.filters).toEqual([{ search: null, tag: "volunteer", region: null, district: null, segment: null, groupId: null, consent: null, permitted: true }]);
    expect(update.contacts).toEqual(["+91 98000 00001", "98000 00002"]);
    expect(update.defaultCountry).toBe("IN");
  });

  it("says the count as the issue writes it", () => {
    const count = sampleAudience({ targets: 2340, toSend: 2120, skipped: 220, skippedByReason: { phone_hidden: 40, opted_out: 180 } });
    expect(audienceSentence(count)).toBe("2,340 targets: 2,120 to send, 180 opted out, 40 phone hidden");
  });
});

describe("the composer's accounts and schedule steps", () => {
  it("needs an account that can send", () => {
    expect(accountProblems([], [])).toEqual(["No account yet: add and link one on the Accounts page."]);
    const senders = [sampleSender({ accountId: 1, usable: false, state: "logged_out" }), sampleSender({ accountId: 2 })];
    expect(accountProblems([], senders)).toEqual([]);
    expect(accountProblems([1], senders)).toEqual(["None of the chosen accounts can send now."]);
  });

  it("refuses a start in the past (in the chosen zone), no day, and empty quiet hours", () => {
    const now = new Date("2026-12-02T06:00:00Z"); // 11:30 in Kolkata
    expect(scheduleProblems(schedule({ when: "later" }), now)).toEqual(["Give the start date and time."]);
    expect(scheduleProblems(schedule({ when: "later", date: "2026-12-02", time: "11:00" }), now)).toEqual(["The start is in the past."]);
    expect(scheduleProblems(schedule({ when: "later", date: "2026-12-02", time: "12:00" }), now)).toEqual([]);
    expect(scheduleProblems(schedule({ days: [], quiet: true, quietStart: "22:00", quietEnd: "22:00" }), now)).toEqual([
      "Choose at least one day to send on.",
      "Quiet hours must start and end at different times.",
    ]);
  });

  it("sends the start as wall time with seconds, and quiet hours only when on", () => {
    expect(scheduleUpdate(schedule({ when: "later", date: "2026-12-03", time: "09:30", quiet: true }))).toEqual({
      startLocal: "2026-12-03T09:30:00",
      quietHours: { start: "21:00", end: "09:00" },
      days: ["mon", "tue"],
      timeZone: "Asia/Kolkata",
    });
    expect(scheduleUpdate(schedule({ date: "2026-12-03", time: "09:30" })).startLocal).toBeNull();
  });
});

describe("campaign words", () => {
  it("reads the address of each view", () => {
    expect(routeFromHash("#/campaigns")).toEqual({ view: "list" });
    expect(routeFromHash("#/campaigns/12")).toEqual({ view: "report", id: 12 });
    expect(routeFromHash("#/campaigns/12/edit")).toEqual({ view: "edit", id: 12 });
  });

  it("counts progress over the targets", () => {
    const c = { pending: 4, sending: 0, sent: 2, delivered: 2, read: 1, failed: 1, skipped: 0 };
    expect(progressText(c)).toBe("5 of 10 sent · 3 delivered · 1 read · 1 failed");
    expect(progressParts(c).done).toBe(60);
  });
});
