// @testing-library/svelte's vite plugin already unmounts after each test.
import { beforeEach } from "vitest";

beforeEach(() => {
  // Every test starts on the default page.
  window.location.hash = "";
});
