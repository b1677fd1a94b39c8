import { fireEvent, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { MemoryBackend, sampleAccount, sampleInboxPage, sampleReply } from "../../lib/api.memory";
import { nav, renderApp, text } from "../../test/render";

function replies() {
  return [
    sampleReply({ id: 3, body: "STOP", isOptOut: true, optedOut: true, campaignId: 7, campaignName: "Pongal offer", contactName: "Arun" }),
    sampleReply({ id: 2, body: "Price please?", campaignId: 7, campaignName: "Pongal offer", contactName: "Divya", readAt: null }),
    sampleReply({ id: 1, body: "Thanks", contactName: null, contactPhone: null, phoneHidden: true, contactId: null, readAt: "2026-12-01T11:00:00Z" }),
  ];
}

async function openInbox(backend: MemoryBackend) {
  await renderApp(backend);
  await fireEvent.click(nav("inbox"));
  await waitFor(() => expect(screen.getAllByTestId("inbox-reply").length).toBeGreaterThan(0));
}

function shown() {
  return screen.getAllByTestId("inbox-reply").map((r) => ({
    who: r.querySelector('[data-field="who"]')?.textContent,
    body: r.querySelector('[data-field="body"]')?.textContent?.trim(),
    campaign: r.querySelector('[data-field="campaign"]')?.textContent ?? null,
    keyword: r.querySelector('[data-field="opt-out-keyword"]') !== null,
    optedOut: r.querySelector('[data-field="opted-out"]') !== null,
    unread: r.classList.contains("unread"),
  }));
}

describe("inbox", () => {
  it("lists replies as the core orders them, with the campaign each answers, unread state and an opt-out keyword flagged", async () => {
    const backend = new MemoryBackend();
    backend.inbox.items = replies();
    await openInbox(backend);
    expect(shown()).toEqual([
      { who: "Arun", body: "STOP", campaign: "Pongal offer", keyword: true, optedOut: true, unread: true },
      { who: "Divya", body: "Price please?", campaign: "Pongal offer", keyword: false, optedOut: false, unread: true },
      { who: "Phone hidden", body: "Thanks", campaign: null, keyword: false, optedOut: false, unread: false },
    ]);
    expect(text("inbox-unread")).toBe("2 unread replies");
    expect(screen.getAllByTestId("inbox-reply")[0].querySelector("a")?.getAttribute("href")).toBe("#/campaigns/7");
  });

  it("asks the core for the filters chosen (account, campaign, unread, opt-outs)", async () => {
    const backend = new MemoryBackend({ accounts: [sampleAccount({ id: 1, name: "Sales 1" }), sampleAccount({ id: 2, name: "Sales 2" })] });
    backend.inbox.items = replies();
    backend.inbox.answer = (filter) =>
      sampleInboxPage(filter.accountId === 2 ? [] : backend.inbox.items, { campaigns: [{ id: 7, name: "Pongal offer" }] });
    await openInbox(backend);
    await waitFor(() => expect(screen.getByTestId("inbox-account").querySelectorAll("option")).toHaveLength(3));
    await fireEvent.change(screen.getByTestId("inbox-account"), { target: { value: "2" } });
    await waitFor(() => expect(text("inbox-empty")).toContain("No replies match these filters"));
    await fireEvent.change(screen.getByTestId("inbox-campaign"), { target: { value: "7" } });
    await fireEvent.click(screen.getByTestId("inbox-unread-only"));
    await fireEvent.click(screen.getByTestId("inbox-opt-outs-only"));
    await waitFor(() =>
      expect(backend.inbox.callsOf("list").at(-1)?.[0]).toMatchObject({ accountId: 2, campaignId: 7, unreadOnly: true, optOutsOnly: true }),
    );
  });

  it("marks a reply read and unread, and all of them read", async () => {
    const backend = new MemoryBackend();
    backend.inbox.items = replies();
    await openInbox(backend);
    const divya = () => screen.getAllByTestId("inbox-reply")[1];
    await fireEvent.click(divya().querySelector('[data-action="read"]')!);
    await waitFor(() => expect(divya().classList.contains("unread")).toBe(false));
    expect(backend.inbox.callsOf("setRead")).toEqual([[[2], true]]);
    expect(text("inbox-unread")).toBe("1 unread reply");
    await fireEvent.click(divya().querySelector('[data-action="read"]')!);
    await waitFor(() => expect(divya().classList.contains("unread")).toBe(true));
    await fireEvent.click(screen.getByTestId("inbox-mark-all"));
    await waitFor(() => expect(text("inbox-unread")).toBe("0 unread replies"));
  });

  it("opts the person out from a reply and back in", async () => {
    const backend = new MemoryBackend();
    backend.inbox.items = replies();
    await openInbox(backend);
    const divya = () => screen.getAllByTestId("inbox-reply")[1];
    await fireEvent.click(divya().querySelector('[data-action="opt-out"]')!);
    await waitFor(() => expect(divya().querySelector('[data-field="opted-out"]')).not.toBeNull());
    expect(backend.inbox.callsOf("setOptOut")).toEqual([[2, true, null]]);
    await fireEvent.click(divya().querySelector('[data-action="opt-in"]')!);
    await waitFor(() => expect(divya().querySelector('[data-field="opted-out"]')).toBeNull());
  });

  it("shows a new reply as soon as the core stores it, without polling", async () => {
    const backend = new MemoryBackend();
    backend.inbox.items = replies();
    await openInbox(backend);
    const listed = backend.inbox.callsOf("list").length;
    backend.inbox.receive(sampleReply({ id: 4, body: "stop", isOptOut: true, contactName: "Kavin" }));
    await waitFor(() => expect(shown()[0]).toMatchObject({ who: "Kavin", keyword: true }));
    expect(backend.inbox.callsOf("list").length).toBe(listed + 1);
    // Replies lost on the way: the page loads again.
    backend.emitResyncNeeded({ what: "inbox", missed: 3 });
    await waitFor(() => expect(backend.inbox.callsOf("list").length).toBe(listed + 2));
  });

  it("says when there are no replies yet, and shows a failure with its fix", async () => {
    const backend = new MemoryBackend();
    await renderApp(backend);
    await fireEvent.click(nav("inbox"));
    await waitFor(() => expect(text("inbox-empty")).toContain("No replies yet"));
    backend.inbox.failures.setOptOut = { kind: "not_found", message: "reply 9 does not exist", fix: "Refresh the list" };
    backend.inbox.items = [sampleReply({ id: 9 })];
    backend.inbox.receive(sampleReply({ id: 10 }));
    await waitFor(() => expect(screen.getAllByTestId("inbox-reply")).toHaveLength(2));
    await fireEvent.click(screen.getAllByTestId("inbox-reply")[1].querySelector('[data-action="opt-out"]')!);
    await waitFor(() => expect(text("inbox-action-error")).toContain("reply 9 does not exist"));
  });
});
