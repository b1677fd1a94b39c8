// Canned campaign data for the UI tests, shaped as the core answers it (data
// only: the core's rules are tested in Rust). `overrides` win everywhere.
import type {
  AudienceCount,
  CampaignCounts,
  CampaignReport,
  CampaignRow,
  CampaignView,
  DraftView,
  MediaInfo,
  Review,
  SenderView,
  TemplateCheck,
} from "./api.campaigns";

export function counts(overrides: Partial<CampaignCounts> = {}): CampaignCounts {
  return { pending: 0, sending: 0, sent: 0, delivered: 0, read: 0, failed: 0, skipped: 0, ...overrides };
}

export function sampleCampaignRow(overrides: Partial<CampaignRow> & { id: number }): CampaignRow {
  return {
    name: `Campaign ${overrides.id}`,
    status: "draft",
    reason: null,
    pausedBy: null,
    kind: "text",
    counts: counts(),
    accounts: [],
    eta: null,
    finishesAt: null,
    createdAt: "2026-12-01T08:00:00Z",
    startedAt: null,
    finishedAt: null,
    ...overrides,
  };
}

export function sampleCampaignView(overrides: Partial<CampaignView> & { id: number }): CampaignView {
  return {
    name: `Campaign ${overrides.id}`,
    status: "draft",
    reason: null,
    pausedBy: null,
    counts: counts(),
    eta: null,
    kind: "text",
    text: "",
    mediaAssetId: null,
    link: null,
    audience: { groups: [], filters: [], contacts: [], csv: null },
    schedule: null,
    options: { skipContactedDays: null, permittedOnly: false },
    accounts: [],
    createdAt: "2026-12-01T08:00:00Z",
    startedAt: null,
    finishedAt: null,
    ...overrides,
  };
}

export const STANDARD_VARIABLES = ["name", "first_name", "district", "region", "state", "segment"];

export function sampleDraft(campaign: Partial<CampaignView> & { id: number }, overrides: Partial<DraftView> = {}): DraftView {
  return {
    campaign: sampleCampaignView(campaign),
    media: null,
    variables: [...STANDARD_VARIABLES],
    problems: [],
    csv: null,
    startLocal: null,
    ...overrides,
  };
}

/** A text that compiles: its length, no problems. */
export function sampleCheck(text: string, overrides: Partial<TemplateCheck> = {}): TemplateCheck {
  return {
    problems: [],
    shape: { variables: [], spintaxGroups: 0, spintaxVariants: 1 },
    chars: [...text].length,
    maxChars: 65536,
    ...overrides,
  };
}

export function sampleAudience(overrides: Partial<AudienceCount> = {}): AudienceCount {
  return {
    targets: 0,
    groups: 0,
    people: 0,
    toSend: 0,
    skipped: 0,
    skippedByReason: {},
    consented: 0,
    wroteFirst: 0,
    permitted: 0,
    groupOnly: 0,
    other: 0,
    ...overrides,
  };
}

export function sampleSender(overrides: Partial<SenderView> & { accountId: number }): SenderView {
  return {
    name: `Account ${overrides.accountId}`,
    phone: `+91980000000${overrides.accountId}`,
    state: "active",
    limits: {
      perMinute: 2,
      perHour: 40,
      perDay: 200,
      gap: { min: 20, max: 60 },
      pauseEvery: 25,
      pauseFor: { min: 300, max: 600 },
      rampUp: { firstDay: 20, fullOnDay: 7, holdMinutes: 30 },
    },
    limitsProblem: null,
    allowance: { minuteLeft: 2, hourLeft: 40, dayLeft: 200, dayCap: 200 },
    sentLastDay: 0,
    ramp: null,
    restrictedUntil: null,
    nextSend: { kind: "send_at", at: "2026-12-01T09:00:00Z" },
    usable: true,
    ...overrides,
  };
}

export function sampleMedia(overrides: Partial<MediaInfo> = {}): MediaInfo {
  return {
    fileName: "poster.png",
    mime: "image/png",
    size: 120_000,
    kind: "image",
    maxBytes: 16 * 1024 * 1024,
    thumbnail: "data:image/png;base64,iVBORw0KGgo=",
    ...overrides,
  };
}

export function sampleReview(id: number, overrides: Partial<Review> = {}): Review {
  const audience = sampleAudience({ targets: 3, people: 3, toSend: 3, permitted: 3 });
  return {
    preview: {
      id,
      shape: { variables: [], spintaxGroups: 0, spintaxVariants: 1 },
      samples: [],
      notTargets: [],
      identical: { targets: 3, distinctTexts: 3, largestGroup: 1, mostCommon: null, largestShare: null, warn: false, message: null },
      audience,
      eta: { messages: 3, finishesAt: "2026-12-01T09:10:00Z", text: "about 09:10 today with 1 account", accounts: 1, problem: null },
      problems: [],
    },
    kind: "text",
    senders: [sampleSender({ accountId: 1 })],
    allowanceToday: 200,
    browser: "chrome",
    warnings: [],
    ...overrides,
  };
}

export function sampleReport(campaign: CampaignView, overrides: Partial<CampaignReport> = {}): CampaignReport {
  return {
    campaign,
    accounts: [],
    failures: [],
    retryable: 0,
    skipped: [],
    timeline: { bucketSeconds: 60, starts: [], sent: [], delivered: [], read: [] },
    replies: [],
    events: [],
    ...overrides,
  };
}
