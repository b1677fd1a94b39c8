import { describe, expect, it } from "vitest";
import { bytesToBase64 } from "./base64";

function decodeBase64(b64: string): string {
  return new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
}

describe("bytesToBase64", () => {
  it("encodes any bytes, in chunks, like btoa of the whole file", () => {
    const bytes = new Uint8Array(200_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + 7) % 256;
    let binary = "";
    for (const b of bytes) binary += String.fromCharCode(b);
    expect(bytesToBase64(bytes)).toBe(btoa(binary));
  });

  it("keeps UTF-8 text (and invalid bytes) intact", () => {
    const text = "Name,Phone\nAnanya Kulkarni ✓,+91 98765 43210\n";
    expect(decodeBase64(bytesToBase64(new TextEncoder().encode(text)))).toBe(text);
    expect(bytesToBase64(new Uint8Array([0xff, 0xfe, 0x00]))).toBe("//4A");
    expect(bytesToBase64(new Uint8Array())).toBe("");
  });
});
