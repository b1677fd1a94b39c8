import { describe, expect, it, vi } from "vitest";
import { recordCspViolations } from "./csp";

describe("recordCspViolations", () => {
  it("keeps every refusal for the end-to-end test and logs it", () => {
    delete window.__flockCspViolations;
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const stop = recordCspViolations();
    expect(window.__flockCspViolations).toEqual([]);
    const event = Object.assign(new Event("securitypolicyviolation"), {
      effectiveDirective: "style-src-elem",
      violatedDirective: "style-src",
      blockedURI: "inline",
      sample: "body { color: red }",
    });
    document.dispatchEvent(event);
    expect(window.__flockCspViolations).toEqual([{ directive: "style-src-elem", blocked: "inline", sample: "body { color: red }" }]);
    expect(log).toHaveBeenCalledOnce();
    stop();
    document.dispatchEvent(event);
    expect(window.__flockCspViolations).toHaveLength(1);
    log.mockRestore();
  });
});
