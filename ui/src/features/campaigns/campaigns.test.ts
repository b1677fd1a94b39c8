import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import type { DraftUpdate } from "../../lib/api.campaigns";
import {
  counts,
  MemoryBackend,
  sampleAudience,
  sampleCampaignRow,
  sampleCampaignView,
  sampleCheck,
  sampleDraft,
  sampleGroup,
  sampleMedia,
  sampleReport,
  sampleReview,
  sampleSender,
} from "../../lib/api.memory";
import { renderApp, text } from "../../test/render";

async function openAt(hash: string, backend: MemoryBackend) {
  window.location.hash = hash;
  await renderApp(backend);
  return backend;
}

function row(id: number): HTMLElement {
  const el = document.querySelector<HTMLElement>(`[data-testid="campaign-row"][data-id="${id}"]`);
  if (!el) throw new Error(`no campaign row ${id}`);
  return el;
}

const saves = (b: MemoryBackend) => b.campaigns.callsOf("saveDraft").map((a) => a[1] as DraftUpdate);

describe("campaigns list", () => {
  it("lists the campaigns with progress, ETA and accounts, filters by status, and follows the core's events", async () => {
    const backend = new MemoryBackend();
    backend.campaigns.rows = [
      sampleCampaignRow({ id: 1, name: "Diwali offer", status: "running", counts: counts({ pending: 8, sent: 2 }), eta: "about 14:20 today", accounts: [{ id: 1, name: "Office" }] }),
      sampleCampaignRow({ id: 2, name: "November news", status: "completed", counts: counts({ read: 5 }), startedAt: "2026-11-20T09:00:00Z", finishedAt: "2026-11-20T11:00:00Z" }),
    ];
    await openAt("#/campaigns", backend);
    await waitFor(() => expect(screen.getAllByTestId("campaign-row")).toHaveLength(2));
    expect(within(row(1)).getByTestId("campaign-progress").textContent).toBe("2 of 10 sent · 0 delivered · 0 read");
    expect(within(row(1)).getByTestId("campaign-eta").textContent).toBe("about 14:20 today");
    expect(row(1).textContent).toContain("Office");
    expect(row(2).textContent).toContain("Every active account");

    await fireEvent.click(screen.getByTestId("campaigns-filter-completed"));
    expect(screen.getAllByTestId("campaign-row").map((r) => r.dataset.id)).toEqual(["2"]);
    await fireEvent.click(screen.getByTestId("campaigns-filter-all"));

    // Progress: patched in place, no new list read.
    const lists = backend.campaigns.callsOf("list").length;
    backend.campaigns.emitProgressed({ campaignId: 1, counts: counts({ pending: 5, delivered: 3, read: 2 }), eta: "about 14:05 today", finishesAt: null });
    await waitFor(() => expect(within(row(1)).getByTestId("campaign-progress").textContent).toBe("5 of 10 sent · 5 delivered · 2 read"));
    expect(within(row(1)).getByTestId("campaign-eta").textContent).toBe("about 14:05 today");
    expect(backend.campaigns.callsOf("list").length).toBe(lists);

    // A status change shows at once and the list is read again for its times.
    backend.campaigns.setStatus(1, "paused", "all 3 accounts restricted");
    await waitFor(() => expect(row(1).dataset.status).toBe("paused"));
    expect(row(1).textContent).toContain("all 3 accounts restricted");
    await waitFor(() => expect(backend.campaigns.callsOf("list").length).toBe(lists + 1));
    expect(backend.campaigns.listenerCount).toBe(2);
  });

  it("reads the list again when the core lost campaign events", async () => {
    const backend = new MemoryBackend();
    backend.campaigns.rows = [sampleCampaignRow({ id: 1, name: "Diwali offer", status: "running" })];
    await openAt("#/campaigns", backend);
    await waitFor(() => screen.getByTestId("campaign-row"));
    backend.campaigns.rows[0].status = "completed";
    backend.emitResyncNeeded({ what: "accounts", missed: 3 });
    backend.emitResyncNeeded({ what: "campaigns", missed: 3 });
    await waitFor(() => expect(row(1).dataset.status).toBe("completed"));
    expect(backend.campaigns.callsOf("list")).toHaveLength(2);
  });

  it("creates a draft with New campaign and opens the composer on it", async () => {
    const backend = new MemoryBackend();
    await openAt("#/campaigns", backend);
    await waitFor(() => screen.getByTestId("campaigns-empty"));
    await fireEvent.click(screen.getByTestId("campaigns-new"));
    await waitFor(() => screen.getByTestId("composer-text"));
    expect(window.location.hash).toBe("#/campaigns/1/edit");
    expect((screen.getByTestId("composer-name") as HTMLInputElement).value).toMatch(/^New campaign /);
  });
});

function composerBackend() {
  const backend = new MemoryBackend({
    groups: [sampleGroup({ id: 7, subject: "Pune farmers", memberCount: 120 }), sampleGroup({ id: 8, subject: "Nashik growers", memberCount: 80 })],
  });
  backend.campaigns.add(sampleDraft({ id: 5, name: "Kharif seeds" }));
  return backend;
}

describe("composer", () => {
  it("checks the text while typing (count and problems) and does not go on while it has a problem", async () => {
    const backend = composerBackend();
    backend.campaigns.answers.checkText = (t) =>
      t.includes("frist")
        ? sampleCheck(t, { problems: [{ message: "unknown variable frist_name", fix: "Use one of name, first_name", position: { offset: 3, line: 1, column: 4 }, variable: "frist_name", suggestion: "first_name" }], shape: null })
        : sampleCheck(t, { shape: { variables: ["first_name"], spintaxGroups: 1, spintaxVariants: 2 } });
    await openAt("#/campaigns/5/edit", backend);
    await waitFor(() => screen.getByTestId("composer-text"));

    // Blocked, but what is there is saved (a draft keeps everything).
    await fireEvent.click(screen.getByTestId("composer-next"));
    await waitFor(() => expect(text("composer-problems")).toContain("Write a message or attach a file."));
    expect(screen.getByTestId("composer").dataset.step).toBe("message");
    expect(saves(backend)).toHaveLength(1);

    const editor = screen.getByTestId("composer-text") as HTMLTextAreaElement;
    await fireEvent.input(editor, { target: { value: "Hi {{ frist_name }}" } });
    await waitFor(() => expect(text("composer-text-problems")).toContain("Line 1, column 4: unknown variable frist_name"));
    expect(text("composer-text-problems")).toContain("Did you mean first_name?");
    expect(text("composer-char-count")).toBe("19 / 65,536 characters");
    await fireEvent.click(screen.getByTestId("composer-next"));
    await waitFor(() => expect(text("composer-problems")).toContain("unknown variable frist_name"));
    expect(screen.getByTestId("composer").dataset.step).toBe("message");

    // A chip inserts the variable at the caret.
    await fireEvent.input(editor, { target: { value: "{Hi|Hello} " } });
    editor.setSelectionRange(11, 11);
    await fireEvent.click(screen.getAllByTestId("variable-chip").find((c) => c.dataset.variable === "first_name")!);
    expect(editor.value).toBe("{Hi|Hello} {{ first_name }}");
    await waitFor(() => expect(text("composer-shape")).toBe("Uses first_name · 1 spintax group, 2 variants"));
    expect(screen.queryByTestId("composer-text-problems")).toBeNull();

    await fireEvent.click(screen.getByTestId("composer-next"));
    await waitFor(() => expect(screen.getByTestId("composer").dataset.step).toBe("audience"));
    expect(saves(backend).at(-1)).toEqual({ name: "Kharif seeds", message: { text: "{Hi|Hello} {{ first_name }}", media: { kind: "none" }, link: null } });
  });

  it("stays on a step whose save the core refused, saying why", async () => {
    const backend = composerBackend();
    backend.campaigns.drafts.get(5)!.campaign.text = "Hello";
    backend.campaigns.failures.saveDraft = { kind: "invalid_input", message: "The link is not a web address", fix: "Start it with https://" };
    await openAt("#/campaigns/5/edit", backend);
    await waitFor(() => screen.getByTestId("composer-text"));
    await fireEvent.click(screen.getByTestId("composer-next"));
    await waitFor(() => expect(text("composer-save-error")).toContain("The link is not a web address"));
    expect(screen.getByTestId("composer").dataset.step).toBe("message");
  });

  it("checks an attachment at once and shows its thumbnail", async () => {
    const backend = composerBackend();
    backend.campaigns.answers.chooseMediaFile = "/home/ana/poster.png";
    backend.campaigns.answers.inspectMedia = sampleMedia({ size: 20 * 1024 * 1024, maxBytes: 5 * 1024 * 1024 });
    await openAt("#/campaigns/5/edit", backend);
    await waitFor(() => screen.getByTestId("composer-media-choose"));
    await fireEvent.click(screen.getByTestId("composer-media-choose"));
    await waitFor(() => screen.getByTestId("composer-media-card"));
    expect(backend.campaigns.callsOf("inspectMedia")).toEqual([["/home/ana/poster.png"]]);
    expect(screen.getByTestId("composer-media-thumb").getAttribute("src")).toContain("data:image/png");
    expect(text("composer-media-card")).toContain("Too large for WhatsApp.");
    await fireEvent.click(screen.getByTestId("composer-next"));
    await waitFor(() => expect(text("composer-problems")).toContain("poster.png is 20.0 MB; WhatsApp takes at most 5.0 MB"));
  });

  it("saves the audience as it changes and shows the core's live count", async () => {
    const backend = composerBackend();
    backend.campaigns.drafts.get(5)!.campaign.text = "Hello";
    // The core's count of the draft as saved: 120 members per group chosen, some skipped.
    backend.campaigns.answers.audienceCount = (_id, draft) => {
      const groups = draft?.campaign.audience.groups?.length ?? 0;
      const tagged = draft?.campaign.audience.filters?.some((f) => f.tag === "volunteer") ? 200 : 0;
      const targets = groups * 120 + tagged;
      return sampleAudience({
        targets,
        toSend: Math.max(0, targets - 20),
        skipped: targets ? 20 : 0,
        skippedByReason: targets ? { opted_out: 15, phone_hidden: 5 } : {},
      });
    };
    await openAt("#/campaigns/5/edit", backend);
    await waitFor(() => screen.getByTestId("composer-text"));
    await fireEvent.click(screen.getByTestId("composer-step-audience"));
    await waitFor(() => expect(text("audience-count")).toBe("0 targets: choose groups, contacts or a CSV"));

    const boxes = () => screen.getAllByTestId("audience-group");
    await waitFor(() => expect(boxes()).toHaveLength(2));
    await fireEvent.click(boxes()[0]);
    await waitFor(() => expect(text("audience-count")).toContain("120 targets: 100 to send, 15 opted out, 5 phone hidden"));
    expect(saves(backend).at(-1)?.audience?.groups).toEqual(["1203630" + "7@g.us"]);

    await fireEvent.click(screen.getByTestId("audience-filter-add"));
    await fireEvent.input(screen.getByTestId("audience-filter-tag"), { target: { value: "volunteer" } });
    await waitFor(() => expect(text("audience-count")).toContain("320 targets: 300 to send, 15 opted out, 5 phone hidden"));
    expect(saves(backend).at(-1)?.audience?.filters?.[0]?.tag).toBe("volunteer");
  });

  it("previews a CSV, imports it with the audience save once, then keeps it; its columns become variables", async () => {
    const backend = composerBackend();
    backend.campaigns.drafts.get(5)!.campaign.text = "Ward {{ ward_no }}";
    backend.campaigns.answers.chooseCsvFile = "/home/ana/wards.csv";
    backend.campaigns.answers.previewCsvFile = {
      hasHeaders: true,
      headers: ["Phone", "Name", "Ward No."],
      mapping: { phone: "Phone", name: "Name", region: null, state: null, district: null, segment: null, tags: null },
      sample: [["+919800000021", "Asha", "12"]],
    };
    // The core imports the file on that save: the draft then has the CSV and its variable.
    const save = backend.campaigns.saveDraft.bind(backend.campaigns);
    backend.campaigns.saveDraft = (id, update) => {
      if (update.audience?.csv.kind === "file") {
        const d = backend.campaigns.drafts.get(id)!;
        d.campaign.audience.csv = { fileName: "wards.csv", headers: ["Phone", "Name", "Ward No."], targets: 1 };
        d.variables = [...d.variables, "ward_no"];
      }
      return save(id, update);
    };
    backend.campaigns.answers.audienceCount = sampleAudience({ targets: 1, toSend: 1, people: 1 });
    await openAt("#/campaigns/5/edit", backend);
    await waitFor(() => screen.getByTestId("composer-text"));
    await fireEvent.click(screen.getByTestId("composer-step-audience"));
    await waitFor(() => screen.getByTestId("audience-csv-choose"));
    await fireEvent.click(screen.getByTestId("audience-csv-choose"));
    await waitFor(() => screen.getByTestId("audience-csv-preview"));
    expect(text("audience-csv-preview")).toContain("Phone column: Phone");
    await fireEvent.click(screen.getByTestId("audience-csv-use"));
    await waitFor(() => expect(text("audience-csv")).toContain("wards.csv"));
    const csvSaves = saves(backend).filter((u) => u.audience);
    expect(csvSaves.map((u) => u.audience!.csv.kind)).toEqual(["file"]);
    expect(csvSaves[0].audience!.csv).toEqual({ kind: "file", input: { path: "/home/ana/wards.csv", defaultCountry: "IN", mapping: expect.objectContaining({ phone: "Phone" }) } });
    await waitFor(() => expect(text("audience-count")).toContain("1 target: 1 to send"));

    await fireEvent.click(screen.getByTestId("composer-step-message"));
    await waitFor(() => expect(screen.getAllByTestId("variable-chip").map((c) => c.dataset.variable)).toContain("ward_no"));
    expect(saves(backend).filter((u) => u.audience).map((u) => u.audience!.csv.kind)).toEqual(["file", "keep"]);
    expect(backend.campaigns.callsOf("checkText").at(-1)).toEqual(["Ward {{ ward_no }}", ["Phone", "Name", "Ward No."]]);
  });

  it("sends a campaign that has started to its report instead of composing it", async () => {
    const backend = composerBackend();
    backend.campaigns.setStatus(5, "running", "started", { silent: true });
    await openAt("#/campaigns/5/edit", backend);
    await waitFor(() => screen.getByTestId("composer-not-draft"));
    await fireEvent.click(screen.getByTestId("composer-open-report"));
    await waitFor(() => screen.getByTestId("campaign-report"));
    expect(window.location.hash).toBe("#/campaigns/5");
  });

  it("shows the review's samples, ETA and warnings, then starts and opens the live report", async () => {
    const backend = composerBackend();
    const d = backend.campaigns.drafts.get(5)!;
    d.campaign.text = "Hi {{ first_name }}";
    d.campaign.audience.groups = ["12036307@g.us"];
    backend.campaigns.answers.audienceCount = sampleAudience({ targets: 3, toSend: 3, people: 3 });
    backend.campaigns.answers.senders = [sampleSender({ accountId: 1, name: "Office", ramp: { day: 2, fullOnDay: 7, todayCap: 40, schedule: [20, 40, 80, 120, 160, 200, 200] } })];
    const review = sampleReview(5, {
      warnings: [{ code: "ramp_up", message: "Office is on day 2 of its ramp-up: 40 messages today.", fix: "Add accounts or spread the campaign over days." }],
    });
    review.preview.samples = [
      { target: "+919800000011", kind: "phone", name: "Asha", text: "Hi Asha", skipCode: null, skipReason: null },
      { target: "+919800000012", kind: "phone", name: "Ravi", text: "Hi Ravi", skipCode: null, skipReason: null },
      { target: "+919800000013", kind: "phone", name: "Meena", text: "Hi Meena", skipCode: null, skipReason: null },
    ];
    backend.campaigns.answers.review = review;
    await openAt("#/campaigns/5/edit", backend);
    await waitFor(() => screen.getByTestId("composer-text"));
    await fireEvent.click(screen.getByTestId("composer-next"));
    await waitFor(() => expect(text("audience-count")).toContain("3 targets"));
    await fireEvent.click(screen.getByTestId("composer-next"));
    await waitFor(() => expect(text("sender-ramp")).toBe("Day 2 of 7: 40 today"));
    expect(text("sender-allowance")).toBe("200 of 200 left today");
    await fireEvent.click(screen.getByTestId("composer-next"));
    await waitFor(() => screen.getByTestId("schedule-now"));
    await fireEvent.click(screen.getByTestId("composer-next"));
    await waitFor(() => expect(screen.getAllByTestId("review-sample-text").map((s) => s.textContent)).toEqual(["Hi Asha", "Hi Ravi", "Hi Meena"]));
    expect(text("review-audience")).toBe("3 targets: 3 to send");
    expect(text("review-eta")).toContain("finishing about 09:10 today with 1 account");
    expect(text("review-warnings")).toContain("day 2 of its ramp-up");
    const steps = saves(backend);
    expect(steps.some((u) => u.accounts)).toBe(true);
    expect(steps.at(-1)?.schedule?.startLocal).toBeNull();

    await fireEvent.click(screen.getByTestId("composer-start"));
    await waitFor(() => screen.getByTestId("campaign-report"));
    expect(window.location.hash).toBe("#/campaigns/5");
    expect(backend.campaigns.callsOf("start")).toEqual([[5]]);
  });
});

describe("campaign report", () => {
  function reportBackend() {
    const backend = new MemoryBackend();
    const view = sampleCampaignView({ id: 9, name: "Diwali offer", status: "running", counts: counts({ pending: 5, delivered: 3, read: 1, failed: 1 }) });
    backend.campaigns.add(sampleDraft(view));
    backend.campaigns.answers.report = () =>
      sampleReport(backend.campaigns.drafts.get(9)!.campaign, {
        accounts: [{ accountId: 1, name: "Office", phone: "+919800000001", state: "active", restricted: false, restrictedUntil: null, sending: 0, sent: 4, delivered: 4, read: 1, failed: 1 }],
        failures: [{ reason: "not on WhatsApp", count: 1, retryable: 1 }],
        retryable: 1,
        timeline: { bucketSeconds: 60, starts: ["2026-12-01T09:00:00Z", "2026-12-01T09:01:00Z"], sent: [2, 4], delivered: [1, 4], read: [0, 1] },
      });
    backend.campaigns.answers.retryFailed = { moved: 1, kept: 0, reopened: false, status: "running" };
    return backend;
  }

  it("shows counts, the chart, accounts and failures, and moves with progress events", async () => {
    const backend = reportBackend();
    await openAt("#/campaigns/9", backend);
    await waitFor(() => screen.getByTestId("report-counts"));
    expect(text("report-count-delivered")).toBe("3 Delivered");
    expect(screen.getByTestId("report-chart-table").textContent).toContain("Delivered");
    expect(text("report-accounts")).toContain("Office");
    expect(text("report-failures")).toContain("not on WhatsApp");

    backend.campaigns.emitProgressed({ campaignId: 9, counts: counts({ pending: 2, delivered: 6, read: 1, failed: 1 }), eta: null, finishesAt: null });
    await waitFor(() => expect(text("report-count-delivered")).toBe("6 Delivered"));

    await fireEvent.click(screen.getByTestId("report-retry-reason"));
    await waitFor(() => expect(text("report-note")).toBe("1 failed messages will be sent again."));
    expect(backend.campaigns.callsOf("retryFailed")).toEqual([[9, "not on WhatsApp"]]);
  });

  it("pauses and cancels only after a confirmation", async () => {
    const backend = reportBackend();
    await openAt("#/campaigns/9", backend);
    await waitFor(() => screen.getByTestId("report-pause"));
    await fireEvent.click(screen.getByTestId("report-pause"));
    expect(backend.campaigns.callsOf("pause")).toEqual([]);
    await fireEvent.click(screen.getByTestId("report-confirm-no"));
    expect(screen.queryByTestId("report-confirm")).toBeNull();

    await fireEvent.click(screen.getByTestId("report-pause"));
    await fireEvent.keyDown(screen.getByTestId("report-confirm"), { key: "Escape" });
    expect(screen.queryByTestId("report-confirm")).toBeNull();
    await fireEvent.click(screen.getByTestId("report-pause"));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId("report-confirm-yes")));
    await fireEvent.click(screen.getByTestId("report-confirm-yes"));
    await waitFor(() => expect(text("report-status")).toBe("Paused"));
    expect(backend.campaigns.callsOf("pause")).toEqual([[9]]);

    await fireEvent.click(screen.getByTestId("report-resume"));
    await waitFor(() => expect(text("report-status")).toBe("Running"));
    await fireEvent.click(screen.getByTestId("report-cancel"));
    expect(text("report-confirm")).toContain("The 5 messages not yet sent are skipped");
    await fireEvent.click(screen.getByTestId("report-confirm-yes"));
    await waitFor(() => expect(text("report-status")).toBe("Cancelled"));
  });
});
