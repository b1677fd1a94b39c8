// Canned data for the UI tests: rows, pages and reports shaped as the core
// answers them. They hold data only; what the core computes (filters, CSV
// reading, mapping, phone numbers, redaction) is tested in Rust, and a test
// states the core's answer it wants the UI to show.
import type {
  AccountView,
  AppInfo,
  ColumnMapping,
  ContactRow,
  CsvPreview,
  DatabaseInfo,
  GroupRow,
  ImportReport,
  ImportRow,
  SyncSummary,
} from "./api";

export const SQLITE_INFO: DatabaseInfo = {
  backend: "sqlite",
  url: "sqlite:///home/ana/.local/share/flock/flock.db",
  applied: 3,
  pending: 0,
  tables: ["accounts", "contacts", "groups", "seaql_migrations"],
  password: null,
};

/** What the core answers after switching to PostgreSQL: the URL comes back redacted. */
export const POSTGRES_INFO: DatabaseInfo = {
  backend: "postgres",
  url: "postgres://flock:****@db.internal:5432/flock",
  applied: 3,
  pending: 0,
  tables: [...SQLITE_INFO.tables],
  password: { kind: "keychain" },
};

export function sampleAppInfo(overrides: Partial<AppInfo> = {}): AppInfo {
  return {
    version: "0.1.0",
    dataDir: "/home/ana/.local/share/flock",
    logDir: "/home/ana/.local/share/flock/logs",
    demo: false,
    database: { status: "connected", info: SQLITE_INFO },
    settingsProblems: [],
    bridgeOverride: null,
    dispatcher: { databaseError: null, unrecordedEvents: 0 },
    ...overrides,
  };
}

/** An account row as the core would list it; `overrides` win. */
export function sampleAccount(overrides: Partial<AccountView> & { id: number }): AccountView {
  return {
    uuid: `00000000-0000-4000-8000-${String(overrides.id).padStart(12, "0")}`,
    name: `Account ${overrides.id}`,
    state: "new",
    reason: null,
    fix: null,
    deadline: null,
    phone: null,
    waId: null,
    profileName: null,
    showBrowser: false,
    linkedAt: null,
    lastSeenAt: null,
    running: false,
    qr: null,
    pairingCode: null,
    waVersion: null,
    memoryKib: null,
    databaseError: null,
    capabilities: null,
    desk: null,
    ...overrides,
  };
}

/** A stand-in for the core's QR SVG: recognisable, and it carries the payload. */
export function fakeQrSvg(payload: string): string {
  const escaped = payload.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;");
  return `<?xml version="1.0" standalone="yes"?><svg xmlns="http://www.w3.org/2000/svg" width="264" height="264" data-fake-qr="${escaped}"><rect width="264" height="264" fill="#fff"/><rect x="20" y="20" width="60" height="60" fill="#122e31"/></svg>`;
}

/** A contact row as the core would list it; `overrides` win. */
export function sampleContact(overrides: Partial<ContactRow> & { id: number }): ContactRow {
  return {
    phone: `+9198${String(10000000 + overrides.id).slice(-8)}`,
    lid: null,
    phoneHidden: false,
    name: `Contact ${overrides.id}`,
    region: null,
    state: null,
    district: null,
    segment: null,
    firstSource: "group_sync",
    sources: ["group_sync"],
    origin: null,
    consent: false,
    consentAt: null,
    consentSource: null,
    wroteToUs: false,
    firstInboundAt: null,
    lastInboundAt: null,
    optedOut: false,
    optedOutAt: null,
    createdAt: "2026-11-01T10:00:00Z",
    tags: [],
    groupCount: 0,
    ...overrides,
  };
}

/** A group row as the core would list it; `overrides` win. */
export function sampleGroup(overrides: Partial<GroupRow> & { id: number }): GroupRow {
  return {
    waId: `1203630${overrides.id}@g.us`,
    subject: `Group ${overrides.id}`,
    description: null,
    memberCount: 0,
    region: null,
    state: null,
    district: null,
    lidAddressing: false,
    removed: false,
    lastSyncedAt: "2026-11-20T09:30:00Z",
    accounts: [],
    tags: [],
    ...overrides,
  };
}

/** `n` contacts with ids 1..n and names "Contact 000001"…, in the order the core's name sort gives. */
export function manyContacts(n: number): ContactRow[] {
  const rows: ContactRow[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const id = i + 1;
    rows[i] = sampleContact({ id, name: `Contact ${String(id).padStart(6, "0")}`, phone: `+9198${String(id).padStart(8, "0")}` });
  }
  return rows;
}

/** One account's sync summary; `overrides` win. */
export function sampleSyncSummary(overrides: Partial<SyncSummary> & { accountId: number }): SyncSummary {
  return {
    groupsTotal: 0,
    groupsAdded: 0,
    groupsChanged: 0,
    groupsLeft: 0,
    groupsRemoved: 0,
    membersAdded: 0,
    membersRemoved: 0,
    contactsAdded: 0,
    contactsMerged: 0,
    skipped: [],
    ...overrides,
  };
}

export function sampleMapping(overrides: Partial<ColumnMapping> = {}): ColumnMapping {
  return { phone: null, name: null, region: null, state: null, district: null, segment: null, tags: null, ...overrides };
}

/** The mapping step's answer; `overrides` win. */
export function samplePreview(overrides: Partial<CsvPreview> = {}): CsvPreview {
  return { hasHeaders: true, headers: [], mapping: sampleMapping(), sample: [], ...overrides };
}

/** An import report whose totals are counted from its rows (data rows = `rows.length`). */
export function sampleImportReport(fileName: string, rows: ImportRow[], overrides: Partial<ImportReport> = {}): ImportReport {
  const count = (outcome: ImportRow["outcome"]) => rows.filter((r) => r.outcome === outcome).length;
  return {
    fileName,
    origin: `import:${fileName}`,
    hasHeaders: true,
    mapping: sampleMapping(),
    totals: {
      rows: rows.length,
      imported: count("imported"),
      updated: count("updated"),
      duplicates: count("duplicate"),
      rejected: count("rejected"),
    },
    rows,
    ...overrides,
  };
}
