import { render, screen } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import { chartConfig } from "./chart-config";

// Chart.js itself draws on a canvas, which jsdom has not: the wrapper's work (the config it
// hands over, updating in place, destroying, the table for screen readers) is what is tested.
const made = vi.hoisted(() => [] as { config: any; updates: number; destroyed: boolean; data: any }[]);
vi.mock("chart.js", () => {
  class Chart {
    static register() {}
    record: (typeof made)[number];
    constructor(_canvas: unknown, config: any) {
      this.record = { config, updates: 0, destroyed: false, data: config.data };
      made.push(this.record);
    }
    set data(data: any) {
      this.record.data = data;
    }
    options: unknown;
    update() {
      this.record.updates++;
    }
    destroy() {
      this.record.destroyed = true;
    }
  }
  const part = {};
  return {
    Chart,
    BarController: part,
    BarElement: part,
    CategoryScale: part,
    Filler: part,
    Legend: part,
    LinearScale: part,
    LineController: part,
    LineElement: part,
    PointElement: part,
    Tooltip: part,
  };
});

const Chart = (await import("./Chart.svelte")).default;

const resolve = (v: string) => ({ "--ok": "#1f9d55", "--accent": "#1f8a5b", "--text-muted": "#5f6b7a", "--border": "#e3e6ea" })[v] ?? "#000";

describe("chart config", () => {
  it("stacks bars per label with the theme's colours", () => {
    const config = chartConfig(
      {
        kind: "bar",
        labels: ["1 Dec", "2 Dec"],
        series: [
          { label: "Delivered", values: [5, 7], color: "--ok" },
          { label: "Read", values: [2, 3], color: "--accent" },
        ],
        stacked: true,
      },
      resolve,
    );
    expect(config.type).toBe("bar");
    expect(config.data.labels).toEqual(["1 Dec", "2 Dec"]);
    expect(config.data.datasets.map((d) => [d.label, d.data, d.backgroundColor])).toEqual([
      ["Delivered", [5, 7], "#1f9d55"],
      ["Read", [2, 3], "#1f8a5b"],
    ]);
    const scales = config.options?.scales as Record<string, { stacked?: boolean; display?: boolean }>;
    expect(scales.x.stacked && scales.y.stacked).toBe(true);
    expect(config.options?.plugins?.legend?.display).toBe(true);
  });

  it("shows the points of a line that has only one (nothing would be drawn), and none otherwise", () => {
    const one = chartConfig({ kind: "line", labels: ["06:43"], series: [{ label: "Read", values: [3], color: "--ok" }] }, resolve);
    const two = chartConfig({ kind: "line", labels: ["06:43", "06:44"], series: [{ label: "Read", values: [3, 4], color: "--ok" }] }, resolve);
    expect((one.data.datasets[0] as { pointRadius?: number }).pointRadius).toBeGreaterThan(0);
    expect((two.data.datasets[0] as { pointRadius?: number }).pointRadius).toBe(0);
  });

  it("draws a sparkline without axes, legend or tooltip, and without motion when asked", () => {
    const config = chartConfig(
      { kind: "line", labels: ["a", "b"], series: [{ label: "Lines", values: [1, 4], color: "--accent" }], sparkline: true, reducedMotion: true },
      resolve,
    );
    const scales = config.options?.scales as Record<string, { display?: boolean }>;
    expect([scales.x.display, scales.y.display]).toEqual([false, false]);
    expect(config.options?.plugins?.legend?.display).toBe(false);
    expect(config.options?.plugins?.tooltip?.enabled).toBe(false);
    expect(config.options?.animation).toBe(false);
  });
});

describe("Chart component", () => {
  afterEach(() => {
    made.length = 0;
    vi.restoreAllMocks();
  });

  const series = [{ label: "Sent", values: [3, 8], color: "--accent" }];

  it("names the chart and puts its numbers in a table for screen readers", () => {
    render(Chart, { props: { kind: "line", title: "Messages sent per day", labels: ["1 Dec", "2 Dec"], series } });
    expect(screen.getByRole("img", { name: "Messages sent per day" })).toBeTruthy();
    const table = screen.getByTestId("chart-table");
    expect(table.querySelector("caption")?.textContent).toBe("Messages sent per day");
    expect([...table.querySelectorAll("tbody tr")].map((r) => r.textContent)).toEqual(["1 Dec3", "2 Dec8"]);
  });

  it("draws on the canvas, updates it in place and lets it go when removed", async () => {
    vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue({} as CanvasRenderingContext2D);
    const view = render(Chart, { props: { kind: "line", title: "Sent", labels: ["1 Dec", "2 Dec"], series } });
    expect(made).toHaveLength(1);
    expect(made[0].config.data.datasets[0].data).toEqual([3, 8]);
    const before = made[0].updates;
    await view.rerender({ kind: "line", title: "Sent", labels: ["1 Dec", "2 Dec", "3 Dec"], series: [{ ...series[0], values: [3, 8, 1] }] });
    expect(made).toHaveLength(1);
    expect(made[0].updates).toBeGreaterThan(before);
    expect(made[0].data.datasets[0].data).toEqual([3, 8, 1]);
    view.unmount();
    expect(made[0].destroyed).toBe(true);
  });

  it("without a canvas context shows only the table", () => {
    vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue(null);
    render(Chart, { props: { kind: "bar", title: "Sent", labels: ["1 Dec"], series } });
    expect(made).toHaveLength(0);
    expect(screen.getByTestId("chart-table")).toBeTruthy();
  });
});
