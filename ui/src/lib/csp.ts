// Records what the Content-Security-Policy (tauri.conf.json) refused, so
// that a policy too strict for the UI is seen: each refusal is logged, and
// kept in `window.__flockCspViolations` for the end-to-end test to read.

export type CspViolation = { directive: string; blocked: string; sample: string };

declare global {
  interface Window {
    __flockCspViolations?: CspViolation[];
  }
}

/** Call once, before the app mounts. Returns a stop function. */
export function recordCspViolations(win: Window = window): () => void {
  const seen = (win.__flockCspViolations ??= []);
  const onViolation = (event: Event) => {
    const e = event as SecurityPolicyViolationEvent;
    const violation = { directive: e.effectiveDirective || e.violatedDirective, blocked: e.blockedURI, sample: e.sample ?? "" };
    seen.push(violation);
    console.error("Content-Security-Policy refused", violation);
  };
  win.document.addEventListener("securitypolicyviolation", onViolation);
  return () => win.document.removeEventListener("securitypolicyviolation", onViolation);
}
