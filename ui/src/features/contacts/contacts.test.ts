import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import type { ContactQuery, ContactRow } from "../../lib/api";
import {
  MemoryBackend,
  manyContacts,
  sampleContact,
  sampleGroup,
  sampleImportReport,
  sampleMapping,
  samplePreview,
} from "../../lib/api.memory";
import { currentPage, nav, renderApp, text } from "../../test/render";

async function openContacts(backend: MemoryBackend) {
  await renderApp(backend);
  await fireEvent.click(nav("contacts"));
  expect(currentPage()).toBe("contacts");
  await waitFor(() => expect(text("contacts-total")).not.toBe("Loading…"));
  return backend;
}

function rows(): HTMLElement[] {
  return screen.queryAllByTestId("contact-row");
}

function row(id: number): HTMLElement {
  const el = document.querySelector<HTMLElement>(`[data-testid="contact-row"][data-contact-id="${id}"]`);
  if (!el) throw new Error(`no contact row ${id}; rows: ${rows().map((r) => r.dataset.contactId).join(", ")}`);
  return el;
}

function queries(backend: MemoryBackend): ContactQuery[] {
  return backend.callsOf("searchContacts").map((args) => args[0] as ContactQuery);
}

const ASHA = sampleContact({ id: 1, name: "Asha Patil", region: "West", district: "Pune", tags: ["volunteer"], groupCount: 2 });
const RAVI = sampleContact({ id: 2, name: "Ravi Sharma", region: "North", tags: ["customer", "volunteer"] });
const MEENA = sampleContact({ id: 3, name: "Meena Iyer", region: "South", tags: ["customer"] });
const HIDDEN = sampleContact({ id: 4, name: null, phone: null, lid: "99887766@lid", phoneHidden: true, tags: [] });

/** Four contacts, and what the core answers for each filter these tests use. */
function smallBackend() {
  const backend = new MemoryBackend({
    contacts: structuredClone([ASHA, RAVI, MEENA, HIDDEN]),
    groups: [sampleGroup({ id: 7, subject: "Pune farmers", memberCount: 2 })],
  });
  const pick = (...ids: number[]) => backend.contactsFor({})!.filter((c) => ids.includes(c.id));
  backend.cannedContacts({ tag: "customer" }, pick(2, 3));
  backend.cannedContacts({ tag: "customer", search: "ravi" }, pick(2));
  backend.cannedContacts({ tag: "customer", search: "nobody" }, []);
  backend.cannedContacts({ tag: "volunteer" }, pick(1, 2));
  backend.cannedContacts({ groupId: 7 }, pick(1, 3));
  backend.cannedContacts({ phoneHidden: true }, pick(4));
  return backend;
}

/** A contact as the core has it now (the unfiltered list), to change it as an edit in the core would. */
function stored(backend: MemoryBackend, id: number): ContactRow {
  return backend.contactsFor({})!.find((c) => c.id === id)!;
}

describe("contacts page", () => {
  it("lists contacts with phone, place, tags, group count and a phone-hidden badge", async () => {
    await openContacts(smallBackend());
    expect(text("contacts-total")).toBe("4 contacts");
    expect(rows()).toHaveLength(4);
    const asha = row(1);
    expect(within(asha).getByTestId("contact-name").textContent).toBe("Asha Patil");
    expect(within(asha).getByTestId("contact-place").textContent).toBe("Pune, West");
    expect(within(asha).getByTestId("contact-tags").textContent).toContain("volunteer");
    expect(within(asha).getByTestId("contact-groups").textContent).toBe("2");
    expect(within(row(4)).getByTestId("phone-hidden-badge").textContent).toBe("phone hidden");
    expect(within(asha).queryByTestId("phone-hidden-badge")).toBeNull();
  });

  it("asks the core for the tag and the search, page 0 each time, and shows its rows and total", async () => {
    const backend = await openContacts(smallBackend());
    await fireEvent.input(screen.getByTestId("contacts-tag-filter"), { target: { value: "customer" } });
    await waitFor(() => expect(text("contacts-total")).toBe("2 contacts"));
    expect(rows().map((r) => r.dataset.contactId)).toEqual(["2", "3"]);
    const last = queries(backend).at(-1)!;
    expect(last).toMatchObject({ tag: "customer", search: null, page: 0, pageSize: 200 });

    await fireEvent.input(screen.getByTestId("contacts-search"), { target: { value: "ravi" } });
    await waitFor(() => expect(text("contacts-total")).toBe("1 contact"));
    expect(rows().map((r) => r.dataset.contactId)).toEqual(["2"]);
    expect(queries(backend).at(-1)).toMatchObject({ tag: "customer", search: "ravi" });

    await fireEvent.input(screen.getByTestId("contacts-search"), { target: { value: "nobody" } });
    await waitFor(() => expect(screen.getByTestId("contacts-empty")).toBeTruthy());
    expect(text("contacts-total")).toBe("0 contacts");
  });

  it("asks for a group's members and for hidden phones", async () => {
    const backend = await openContacts(smallBackend());
    const group = screen.getByTestId("contacts-group-filter") as HTMLSelectElement;
    await waitFor(() => expect(within(group).getByText("Pune farmers")).toBeTruthy());
    await fireEvent.change(group, { target: { value: "7" } });
    await waitFor(() => expect(text("contacts-total")).toBe("2 contacts"));
    expect(queries(backend).at(-1)).toMatchObject({ groupId: 7 });

    expect(rows().map((r) => r.dataset.contactId)).toEqual(["1", "3"]);

    await fireEvent.change(group, { target: { value: "" } });
    await fireEvent.click(screen.getByTestId("contacts-phone-hidden-filter"));
    await waitFor(() => expect(text("contacts-total")).toBe("1 contact"));
    expect(rows().map((r) => r.dataset.contactId)).toEqual(["4"]);
    expect(queries(backend).at(-1)).toMatchObject({ groupId: null, phoneHidden: true });
  });

  it("virtualises 100,000 contacts: few DOM rows, pages fetched for the scrolled position", async () => {
    const backend = await openContacts(new MemoryBackend({ contacts: manyContacts(100_000) }));
    expect(text("contacts-total")).toBe("100,000 contacts");
    const scroller = screen.getByTestId("contacts-scroller");
    expect((scroller.firstElementChild as HTMLElement).style.height).toBe(`${100_000 * 44}px`);
    expect(rows().length).toBeGreaterThan(5);
    expect(rows().length).toBeLessThan(60);
    expect(queries(backend).map((q) => q.page)).toEqual([0]);

    // Scroll to row 50,000: page 250 is fetched and its rows are shown at their place.
    Object.defineProperty(scroller, "scrollTop", { value: 50_000 * 44, configurable: true });
    await fireEvent.scroll(scroller);
    await waitFor(() => expect(rows().some((r) => r.dataset.index === "50000")).toBe(true));
    expect(queries(backend).map((q) => q.page)).toContain(250);
    expect(queries(backend).every((q) => q.pageSize === 200)).toBe(true);
    expect(rows().length).toBeLessThan(60);
    const r = rows().find((el) => el.dataset.index === "50000")!;
    expect(r.style.top).toBe(`${50_000 * 44}px`);
    // The row the core answered at that place.
    expect(r.dataset.contactId).toBe(String(backend.contactsFor({})![50_000].id));
    expect(within(r).getByTestId("contact-name").textContent).toBe("Contact 050001");
    // A jump asks by page number; scrolling on asks for the rows after the last one shown (keyset).
    expect(queries(backend).find((q) => q.page === 250)?.after ?? null).toBeNull();
    Object.defineProperty(scroller, "scrollTop", { value: 50_190 * 44, configurable: true });
    await fireEvent.scroll(scroller);
    await waitFor(() => expect(rows().some((r) => r.dataset.index === "50200")).toBe(true));
    const next = queries(backend).find((q) => q.page === 251)!;
    expect(next.after).toBe(backend.contactsFor({})![50_199].id);
    expect(within(rows().find((el) => el.dataset.index === "50200")!).getByTestId("contact-name").textContent).toBe("Contact 050201");
  });

  it("opts a contact out with a reason (inline prompt), shows the badge, and opts back in", async () => {
    const backend = await openContacts(smallBackend());
    await fireEvent.click(within(row(2)).getByTestId("contact-optout-toggle"));
    const prompt = screen.getByTestId("optout-prompt");
    expect(prompt.textContent).toContain("Ravi Sharma");
    await fireEvent.input(screen.getByTestId("optout-reason"), { target: { value: "replied STOP" } });
    await fireEvent.click(screen.getByTestId("optout-confirm"));
    await waitFor(() => expect(within(row(2)).getByTestId("opted-out-badge").textContent).toBe("Opted out"));
    expect(backend.callsOf("setOptOut")).toEqual([[2, true, "replied STOP"]]);
    expect(screen.queryByTestId("optout-prompt")).toBeNull();

    await fireEvent.click(within(row(2)).getByTestId("contact-optout-toggle"));
    await fireEvent.click(screen.getByTestId("optout-confirm"));
    await waitFor(() => expect(within(row(2)).queryByTestId("opted-out-badge")).toBeNull());
    expect(backend.callsOf("setOptOut").at(-1)).toEqual([2, false, null]);
  });

  it("keeps the typed reason and shows the typed error when opting out fails", async () => {
    const backend = smallBackend();
    backend.failures.setOptOut = { kind: "database", message: "database is locked", fix: "Try again" };
    await openContacts(backend);
    await fireEvent.click(within(row(1)).getByTestId("contact-optout-toggle"));
    await fireEvent.input(screen.getByTestId("optout-reason"), { target: { value: "asked" } });
    await fireEvent.click(screen.getByTestId("optout-confirm"));
    const error = await screen.findByTestId("optout-error");
    expect(error.textContent).toContain("database is locked");
    expect((screen.getByTestId("optout-reason") as HTMLInputElement).value).toBe("asked");
  });

  it("sends the bulk edit of the selection, shows the core's count, and reloads the rows", async () => {
    const backend = await openContacts(smallBackend());
    backend.answers.bulkEdit = ({ set }) => {
      // The core changed the two contacts: the next page shows it.
      for (const id of [1, 3]) stored(backend, id).district = set![0].value;
      return { updated: 2, tagged: 0, untagged: 0 };
    };
    const searchesBefore = queries(backend).length;
    await fireEvent.click(within(row(1)).getByTestId("contact-select"));
    await fireEvent.click(within(row(3)).getByTestId("contact-select"));
    expect(text("contacts-bulk-bar")).toContain("2 contacts selected");
    await fireEvent.change(screen.getByTestId("bulk-field"), { target: { value: "district" } });
    await fireEvent.input(screen.getByTestId("bulk-value"), { target: { value: "Nashik" } });
    await fireEvent.click(screen.getByTestId("bulk-set"));
    await waitFor(() => expect(text("bulk-result")).toBe("Updated 2 contacts"));
    expect(backend.callsOf("bulkEdit")[0][0]).toEqual({
      target: "contacts",
      ids: [1, 3],
      set: [{ field: "district", value: "Nashik" }],
      addTags: [],
      removeTags: [],
    });
    await waitFor(() => expect(within(row(3)).getByTestId("contact-place").textContent).toBe("Nashik, South"));
    expect(queries(backend).length).toBeGreaterThan(searchesBefore);

    backend.answers.bulkEdit = ({ addTags }) => {
      for (const id of [1, 3]) stored(backend, id).tags = [...stored(backend, id).tags, ...(addTags ?? [])].sort();
      return { updated: 0, tagged: 2, untagged: 0 };
    };
    await fireEvent.input(screen.getByTestId("bulk-tag"), { target: { value: "vip" } });
    await fireEvent.click(screen.getByTestId("bulk-add-tag"));
    await waitFor(() => expect(text("bulk-result")).toBe('Tagged 2 contacts "vip"'));
    expect(backend.callsOf("bulkEdit")[1][0]).toMatchObject({ ids: [1, 3], addTags: ["vip"], set: [] });
    await waitFor(() => expect(within(row(1)).getByTestId("contact-tags").textContent).toContain("vip"));
  });

  it("exports the current filter and shows where the core wrote the file", async () => {
    const backend = await openContacts(smallBackend());
    backend.answers.exportContactsCsv = { path: "/home/ana/Downloads/flock-contacts.csv", rows: 2 };
    await fireEvent.input(screen.getByTestId("contacts-tag-filter"), { target: { value: "volunteer" } });
    await waitFor(() => expect(text("contacts-total")).toBe("2 contacts"));
    await fireEvent.click(screen.getByTestId("contacts-export"));
    await waitFor(() =>
      expect(text("contacts-export-result")).toBe("Exported 2 contacts to /home/ana/Downloads/flock-contacts.csv"),
    );
    expect(backend.callsOf("exportContactsCsv")[0][0]).toMatchObject({ tag: "volunteer" });
    expect(backend.callsOf("exportContactsCsv")[0][0]).not.toHaveProperty("page");
  });

  it("shows a typed error when the search fails", async () => {
    const backend = smallBackend();
    backend.failures.searchContacts = { kind: "database", message: "no such table: contacts", fix: "Run the migrations" };
    await renderApp(backend);
    await fireEvent.click(nav("contacts"));
    const error = await screen.findByTestId("contacts-error");
    expect(error.textContent).toContain("no such table: contacts");
    expect(error.textContent).toContain("Run the migrations");
  });

  it("does not leave the old filter's rows beside the error when a new search fails", async () => {
    const backend = await openContacts(smallBackend());
    expect(rows()).toHaveLength(4);
    backend.failures.searchContacts = { kind: "database", message: "database is locked", fix: null };
    await fireEvent.input(screen.getByTestId("contacts-tag-filter"), { target: { value: "customer" } });
    expect((await screen.findByTestId("contacts-error")).textContent).toContain("database is locked");
    expect(rows()).toHaveLength(0);
    expect(text("contacts-total")).toBe("—");
    // The typed filter stays.
    expect((screen.getByTestId("contacts-tag-filter") as HTMLInputElement).value).toBe("customer");
  });
});

describe("contacts import wizard", () => {
  const CSV = [
    "Name,Mobile,District,Tags",
    "Asha,98765 43210,Pune,volunteer",
    "Bad,12ab,Pune,",
    "Ravi,+91 91234 56789,Nashik,customer",
    "Asha again,9876543210,Pune,",
    "Nobody,,Pune,",
  ].join("\n");

  /** The core's mapping step for CSV: headers, its proposed mapping, the first rows. */
  const PREVIEW = samplePreview({
    headers: ["Name", "Mobile", "District", "Tags"],
    mapping: sampleMapping({ phone: "Mobile", name: "Name", district: "District", tags: "Tags" }),
    sample: [
      ["Asha", "98765 43210", "Pune", "volunteer"],
      ["Bad", "12ab", "Pune", ""],
    ],
  });

  /** The core's report on CSV, one row per data line in file order. */
  const REPORT = sampleImportReport("leads.csv", [
    { row: 2, outcome: "imported", raw: "98765 43210", phone: "+919876543210", contactId: 5, reason: null },
    { row: 3, outcome: "rejected", raw: "12ab", phone: null, contactId: null, reason: 'not a phone number: "12ab"' },
    { row: 4, outcome: "imported", raw: "+91 91234 56789", phone: "+919123456789", contactId: 6, reason: null },
    { row: 5, outcome: "duplicate", raw: "9876543210", phone: "+919876543210", contactId: 5, reason: "same number as an earlier row" },
    { row: 6, outcome: "rejected", raw: "", phone: null, contactId: null, reason: "no phone number" },
  ]);

  async function chooseFile(content: string, name = "leads.csv") {
    await fireEvent.click(screen.getByTestId("contacts-import"));
    const input = screen.getByTestId("import-file") as HTMLInputElement;
    const file = new File([content], name, { type: "text/csv" });
    await fireEvent.change(input, { target: { files: [file] } });
    await waitFor(() => expect(screen.getByTestId("import-wizard").dataset.step).toBe("mapping"));
  }

  it("shows the core's proposed mapping, sends the person's choices, and lists every row not imported (rejected first)", async () => {
    const backend = await openContacts(smallBackend());
    backend.answers.previewContactsCsv = PREVIEW;
    backend.answers.importContactsCsv = () => {
      // The core added two contacts: the list shows them after the import.
      const added = [sampleContact({ id: 5, name: "Asha" }), sampleContact({ id: 6, name: "Ravi" })];
      backend.cannedContacts({}, [...backend.contactsFor({})!, ...added]);
      return REPORT;
    };
    await chooseFile(CSV);
    expect(atob(backend.callsOf("previewContactsCsv")[0][0] as string)).toBe(CSV);
    expect((screen.getByTestId("import-map-phone") as HTMLSelectElement).value).toBe("Mobile");
    expect((screen.getByTestId("import-map-name") as HTMLSelectElement).value).toBe("Name");
    expect((screen.getByTestId("import-map-district") as HTMLSelectElement).value).toBe("District");
    expect((screen.getByTestId("import-has-headers") as HTMLInputElement).checked).toBe(true);
    expect((screen.getByTestId("import-country") as HTMLInputElement).value).toBe("IN");
    expect(text("import-sample")).toContain("98765 43210");

    // The person drops the tags column.
    await fireEvent.change(screen.getByTestId("import-map-tags"), { target: { value: "" } });
    await fireEvent.click(screen.getByTestId("import-run"));
    await waitFor(() => expect(screen.getByTestId("import-wizard").dataset.step).toBe("report"));

    const [content, options] = backend.callsOf("importContactsCsv")[0] as [string, Record<string, unknown>];
    expect(atob(content)).toBe(CSV);
    expect(options).toMatchObject({ fileName: "leads.csv", defaultCountry: "IN", hasHeaders: true });
    expect(options.mapping).toEqual(sampleMapping({ phone: "Mobile", name: "Name", district: "District", tags: null }));

    expect(text("import-totals")).toContain("5 rows read");
    expect(text("import-totals")).toContain("2 imported");
    expect(text("import-totals")).toContain("2 rejected");
    expect(text("import-totals")).toContain("1 duplicate,");
    const reported = screen.getAllByTestId("import-report-row");
    expect(reported.map((r) => [r.dataset.row, r.dataset.outcome])).toEqual([
      ["3", "rejected"],
      ["6", "rejected"],
      ["5", "duplicate"],
    ]);
    expect(reported[0].textContent).toContain("12ab");
    expect(reported[0].textContent).toContain('not a phone number: "12ab"');
    expect(reported[1].textContent).toContain("no phone number");
    expect(reported[2].textContent).toContain("same number as an earlier row");
    // The list was loaded again: 4 + 2 contacts.
    await waitFor(() => expect(text("contacts-total")).toBe("6 contacts"));
  });

  it("shows the core's typed error for a file it cannot read, and stays on the first step", async () => {
    const backend = smallBackend();
    backend.failures.previewContactsCsv = { kind: "invalid_input", message: "the file is empty", fix: "Choose a CSV file with contacts" };
    await openContacts(backend);
    await fireEvent.click(screen.getByTestId("contacts-import"));
    const input = screen.getByTestId("import-file") as HTMLInputElement;
    await fireEvent.change(input, { target: { files: [new File([""], "empty.csv")] } });
    const error = await screen.findByTestId("import-error");
    expect(error.textContent).toContain("the file is empty");
    expect(error.textContent).toContain("Choose a CSV file with contacts");
    expect(screen.getByTestId("import-wizard").dataset.step).toBe("choose");
  });
});
