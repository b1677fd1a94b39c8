import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import type { ContactQuery } from "../../lib/api";
import { MemoryBackend, sampleContact, sampleGroup, sampleSyncSummary } from "../../lib/api.memory";
import { currentPage, nav, renderApp, text } from "../../test/render";

function backendWithGroups(options: { syncAvailable?: boolean } = {}) {
  return new MemoryBackend({
    syncAvailable: options.syncAvailable,
    groups: [
      sampleGroup({
        id: 1,
        subject: "Pune Farmers Network",
        memberCount: 212,
        region: "West",
        state: "Maharashtra",
        district: "Pune",
        accounts: [{ accountId: 3, name: "Sales 1", phone: "+919800000001", isAdmin: true }],
        tags: ["farmers"],
      }),
      sampleGroup({ id: 2, subject: "Nashik Grape Growers", memberCount: 88, region: "West", tags: ["farmers", "grapes"] }),
      sampleGroup({ id: 3, subject: "Lucknow Volunteers", memberCount: 40, region: "North", removed: true }),
    ],
    contacts: [
      sampleContact({ id: 10, name: "Asha Patil" }),
      sampleContact({ id: 11, name: "Ravi Sharma" }),
      sampleContact({ id: 12, name: "Meena Iyer" }),
    ],
    tagRules: [{ id: 1, contains: "Pune", set: { field: "district", value: "Pune" }, tag: "pune", enabled: true }],
  });
}

async function openGroups(backend: MemoryBackend) {
  await renderApp(backend);
  await fireEvent.click(nav("groups"));
  expect(currentPage()).toBe("groups");
  await waitFor(() => expect(screen.queryByTestId("groups-loading")).toBeNull());
  return backend;
}

function rows(): HTMLElement[] {
  return screen.queryAllByTestId("group-row");
}

function row(id: number): HTMLElement {
  const el = document.querySelector<HTMLElement>(`[data-testid="group-row"][data-group-id="${id}"]`);
  if (!el) throw new Error(`no group row ${id}`);
  return el;
}

describe("groups page", () => {
  it("lists groups with members, place, our accounts, tags and last sync", async () => {
    await openGroups(backendWithGroups());
    expect(rows()).toHaveLength(3);
    const pune = row(1);
    expect(within(pune).getByTestId("group-subject").textContent).toBe("Pune Farmers Network");
    expect(within(pune).getByTestId("group-members").textContent).toBe("212");
    expect(within(pune).getByTestId("group-place").textContent).toBe("Pune, Maharashtra, West");
    expect(within(pune).getByTestId("group-accounts").textContent).toContain("Sales 1");
    expect(within(pune).getByTestId("group-accounts").textContent).toContain("+919800000001");
    expect(within(pune).getByTestId("group-tags").textContent).toContain("farmers");
    expect(within(pune).getByTestId("group-synced").textContent).not.toBe("never");
    expect(text("groups-summary")).toBe("3 groups");
  });

  it("filters by subject, region and tag", async () => {
    await openGroups(backendWithGroups());
    await fireEvent.input(screen.getByTestId("groups-search"), { target: { value: "nashik" } });
    await waitFor(() => expect(rows().map((r) => r.dataset.groupId)).toEqual(["2"]));
    await fireEvent.input(screen.getByTestId("groups-search"), { target: { value: "" } });
    await fireEvent.change(screen.getByTestId("groups-region-filter"), { target: { value: "West" } });
    await waitFor(() => expect(rows().map((r) => r.dataset.groupId)).toEqual(["1", "2"]));
    await fireEvent.change(screen.getByTestId("groups-tag-filter"), { target: { value: "grapes" } });
    await waitFor(() => expect(rows().map((r) => r.dataset.groupId)).toEqual(["2"]));
    expect(text("groups-summary")).toBe("1 of 3 groups");
  });

  it("sends the bulk edit of the selected groups, shows the core's count, and reloads them", async () => {
    const backend = await openGroups(backendWithGroups());
    const group = (id: number) => backend.groups.find((g) => g.id === id)!;
    backend.answers.bulkEdit = ({ ids, set }) => {
      for (const id of ids) group(id).district = set![0].value;
      return { updated: ids.length, tagged: 0, untagged: 0 };
    };
    await fireEvent.click(within(row(2)).getByTestId("group-select"));
    await fireEvent.click(within(row(3)).getByTestId("group-select"));
    expect(text("groups-bulk-bar")).toContain("2 groups selected");
    await fireEvent.change(screen.getByTestId("groups-bulk-field"), { target: { value: "district" } });
    await fireEvent.input(screen.getByTestId("groups-bulk-value"), { target: { value: "Nashik" } });
    await fireEvent.click(screen.getByTestId("groups-bulk-set"));
    await waitFor(() => expect(text("groups-bulk-result")).toBe("Updated 2 groups"));
    expect(backend.callsOf("bulkEdit")[0][0]).toEqual({
      target: "groups",
      ids: [2, 3],
      set: [{ field: "district", value: "Nashik" }],
      addTags: [],
      removeTags: [],
    });
    await waitFor(() => expect(within(row(2)).getByTestId("group-place").textContent).toBe("Nashik, West"));

    // Only group 2 had the tag: the core says it removed it from 1 group.
    backend.answers.bulkEdit = ({ removeTags }) => {
      group(2).tags = group(2).tags.filter((t) => !(removeTags ?? []).includes(t));
      return { updated: 0, tagged: 0, untagged: 1 };
    };
    await fireEvent.input(screen.getByTestId("groups-bulk-tag"), { target: { value: "grapes" } });
    await fireEvent.click(screen.getByTestId("groups-bulk-remove-tag"));
    await waitFor(() => expect(text("groups-bulk-result")).toBe('Removed "grapes" from 1 group'));
    expect(backend.callsOf("bulkEdit")[1][0]).toMatchObject({ ids: [2, 3], removeTags: ["grapes"], addTags: [] });
    await waitFor(() => expect(within(row(2)).getByTestId("group-tags").textContent).not.toContain("grapes"));
  });

  it("lists, adds and deletes tag rules; Add waits for a field value or a tag; a refused rule shows the typed error and keeps the input", async () => {
    const backend = await openGroups(backendWithGroups());
    await waitFor(() => expect(screen.getAllByTestId("tag-rule")).toHaveLength(1));
    expect(screen.getAllByTestId("tag-rule")[0].textContent).toContain("Subject contains “Pune” → district Pune, tag pune");

    await fireEvent.input(screen.getByTestId("tag-rule-contains"), { target: { value: "Nashik" } });
    const add = screen.getByTestId("tag-rule-add") as HTMLButtonElement;
    expect(add.disabled).toBe(true);
    await fireEvent.input(screen.getByTestId("tag-rule-tag"), { target: { value: "nashik" } });
    await fireEvent.click(add);
    await waitFor(() => expect(screen.getAllByTestId("tag-rule")).toHaveLength(2));
    expect(backend.callsOf("addTagRule")).toEqual([[{ contains: "Nashik", set: null, tag: "nashik" }]]);
    expect(screen.getAllByTestId("tag-rule")[1].textContent).toContain("Subject contains “Nashik” → tag nashik");
    expect((screen.getByTestId("tag-rule-contains") as HTMLInputElement).value).toBe("");

    await fireEvent.input(screen.getByTestId("tag-rule-contains"), { target: { value: "Lucknow" } });
    await fireEvent.change(screen.getByTestId("tag-rule-field"), { target: { value: "region" } });
    await fireEvent.input(screen.getByTestId("tag-rule-value"), { target: { value: "North" } });
    await fireEvent.click(screen.getByTestId("tag-rule-add"));
    await waitFor(() => expect(screen.getAllByTestId("tag-rule")).toHaveLength(3));
    expect(backend.callsOf("addTagRule")[1]).toEqual([{ contains: "Lucknow", set: { field: "region", value: "North" }, tag: null }]);

    await fireEvent.click(within(screen.getAllByTestId("tag-rule")[0]).getByTestId("tag-rule-delete"));
    await waitFor(() => expect(screen.getAllByTestId("tag-rule")).toHaveLength(2));
    expect(backend.callsOf("deleteTagRule")).toEqual([[1]]);
    expect(backend.tagRules.map((r) => r.contains)).toEqual(["Nashik", "Lucknow"]);

    // The core refuses: the typed error shows and the typed words stay.
    backend.failures.addTagRule = { kind: "conflict", message: "a rule for “Pune” exists", fix: "Delete it first" };
    await fireEvent.input(screen.getByTestId("tag-rule-contains"), { target: { value: "Pune" } });
    await fireEvent.input(screen.getByTestId("tag-rule-tag"), { target: { value: "pune" } });
    await fireEvent.click(screen.getByTestId("tag-rule-add"));
    expect((await screen.findByTestId("tag-rules-error")).textContent).toContain("a rule for “Pune” exists");
    expect((screen.getByTestId("tag-rule-contains") as HTMLInputElement).value).toBe("Pune");
  });

  it("Members opens Contacts filtered by that group", async () => {
    const backend = backendWithGroups();
    backend.cannedContacts({ groupId: 1 }, backend.contactsFor({})!.filter((c) => c.id === 10 || c.id === 11));
    await openGroups(backend);
    await fireEvent.click(within(row(1)).getByTestId("group-members-link"));
    await waitFor(() => expect(currentPage()).toBe("contacts"));
    await waitFor(() => expect(text("contacts-total")).toBe("2 contacts"));
    const last = backend.callsOf("searchContacts").at(-1)![0] as ContactQuery;
    expect(last.groupId).toBe(1);
    expect((screen.getByTestId("contacts-group-filter") as HTMLSelectElement).value).toBe("1");
    expect(text("contacts-group-pill")).toContain("Pune Farmers Network");
    expect(
      screen
        .getAllByTestId("contact-row")
        .map((r) => r.dataset.contactId)
        .sort(),
    ).toEqual(["10", "11"]);
  });

  it("shows Sync groups disabled, with the reason, while the core has no syncGroups", async () => {
    await openGroups(backendWithGroups());
    const sync = screen.getByTestId("groups-sync") as HTMLButtonElement;
    expect(sync.disabled).toBe(true);
    expect(sync.title).toBe("Group sync arrives with the next build");
  });

  it("syncs groups when the core can, with live progress and a summary", async () => {
    const backend = backendWithGroups({ syncAvailable: true });
    let finish: () => void = () => {};
    const original = backend.syncGroups.bind(backend);
    backend.syncGroups = (accountId) =>
      new Promise((resolve) => {
        finish = () => void original(accountId).then(resolve);
      });
    await openGroups(backend);
    const sync = screen.getByTestId("groups-sync") as HTMLButtonElement;
    expect(sync.disabled).toBe(false);
    await fireEvent.click(sync);
    backend.emitGroupsSyncProgress({ done: 1, total: 3, accountId: 3 });
    await waitFor(() => expect(screen.getByTestId("groups-sync-progress").dataset.done).toBe("1"));
    expect(text("groups-sync-progress")).toContain("Sales 1: 1 of 3 groups");
    backend.groups.push(sampleGroup({ id: 4, subject: "Satara Dairy" }));
    backend.answers.syncGroups = [
      sampleSyncSummary({
        accountId: 3,
        groupsTotal: 4,
        groupsAdded: 1,
        membersAdded: 12,
        contactsAdded: 9,
        contactsMerged: 2,
        skipped: [{ groupWaId: "120363001@g.us", wid: "garbled", reason: "not a WhatsApp id" }],
      }),
    ];
    backend.emitGroupsSyncProgress({ done: 3, total: 3, accountId: 3 });
    finish();
    await waitFor(() => expect(screen.getByTestId("groups-sync-summary")).toBeTruthy());
    const summary = text("groups-sync-summary");
    expect(summary).toContain("Synced 1 account: 4 groups (1 new, 0 changed, 0 left, 0 removed)");
    expect(summary).toContain("12 members joined");
    expect(summary).toContain("9 new contacts, 2 hidden numbers matched");
    expect(text("groups-sync-skipped")).toContain("1 participant skipped");
    expect(text("groups-sync-skipped")).toContain("Sales 1, 120363001@g.us: garbled: not a WhatsApp id");
    expect(screen.queryByTestId("groups-sync-progress")).toBeNull();
    expect(rows()).toHaveLength(4);
    expect(backend.callsOf("syncGroups")).toEqual([[null]]);
  });

  it("shows the typed error when the groups cannot be loaded", async () => {
    const backend = backendWithGroups();
    backend.failures.listGroups = { kind: "database", message: "database is locked", fix: null };
    await openGroups(backend);
    expect((await screen.findByTestId("groups-error")).textContent).toContain("database is locked");
  });
});
