import { render, screen, waitFor } from "@testing-library/svelte";
import { expect } from "vitest";
import App from "../App.svelte";
import type { Backend } from "../lib/api";
import { MemoryBackend } from "../lib/api.memory";

/** Renders the whole app on a backend (a fresh MemoryBackend by default) and waits for appInfo. */
export async function renderApp(backend: Backend = new MemoryBackend()) {
  const result = render(App, { props: { backend } });
  await waitFor(() => expect(screen.getByTestId("db-chip").textContent).not.toContain("Connecting"));
  return { ...result, backend };
}

export function nav(id: string): HTMLElement {
  const el = document.querySelector<HTMLElement>(`[data-nav="${id}"]`);
  if (!el) throw new Error(`no nav item data-nav="${id}"`);
  return el;
}

export function currentPage(): string | null {
  return document.querySelector("[data-page]")?.getAttribute("data-page") ?? null;
}

export function text(testid: string): string {
  return (screen.getByTestId(testid).textContent ?? "").replace(/\s+/g, " ").trim();
}
