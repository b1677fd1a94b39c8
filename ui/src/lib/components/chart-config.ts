// The Chart.js configuration for Flock's charts, from plain series. Kept apart from the
// component so that it is tested without a canvas. Colours are the theme's CSS variables,
// read once by the component (Chart.js draws on a canvas and needs real colour values).
import type { ChartConfiguration } from "chart.js";

export type ChartKind = "line" | "bar";

export type ChartSeries = {
  label: string;
  values: number[];
  /** A theme colour variable (`--accent`, `--ok`, `--warn`, `--danger`, …). */
  color: string;
};

export type ChartOptions = {
  kind: ChartKind;
  labels: string[];
  series: ChartSeries[];
  /** Bars stacked per label (messages per day by status). */
  stacked?: boolean;
  /** No axes, legend or tooltip: a small trend line. */
  sparkline?: boolean;
  /** The user asked for less motion (`prefers-reduced-motion`). */
  reducedMotion?: boolean;
};

/** `resolve("--accent")` → `#1f8a5b` (the component passes one that reads the page's CSS). */
export type ColorResolver = (variable: string) => string;

export function chartConfig(options: ChartOptions, resolve: ColorResolver): ChartConfiguration<ChartKind> {
  const { kind, labels, series, stacked = false, sparkline = false, reducedMotion = false } = options;
  const text = resolve("--text-muted");
  const grid = resolve("--border");
  return {
    type: kind,
    data: {
      labels: [...labels],
      datasets: series.map((s) => {
        const color = resolve(s.color);
        return {
          label: s.label,
          data: [...s.values],
          borderColor: color,
          backgroundColor: kind === "bar" ? color : `${color}33`,
          borderWidth: kind === "bar" ? 0 : sparkline ? 1.5 : 2,
          // A line of one point draws nothing: show the point itself (a campaign done within a minute).
          pointRadius: kind === "line" ? (labels.length === 1 ? 4 : 0) : undefined,
          fill: kind === "line" && sparkline,
          tension: 0.25,
          ...(stacked ? { stack: "all" } : {}),
        };
      }),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: reducedMotion ? false : { duration: 250 },
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { display: !sparkline && series.length > 1, labels: { color: text, boxWidth: 12 } },
        tooltip: { enabled: !sparkline },
      },
      scales: {
        x: { display: !sparkline, stacked, ticks: { color: text, maxRotation: 0, autoSkip: true }, grid: { display: false } },
        y: { display: !sparkline, stacked, beginAtZero: true, ticks: { color: text, precision: 0 }, grid: { color: grid } },
      },
    },
  } as ChartConfiguration<ChartKind>;
}
