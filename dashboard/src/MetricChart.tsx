// One metric as a uPlot chart: the min–max band of each bucket and its last value as a
// line. Points that arrive live are buckets of one point (min = max = last). NaN and
// ±Infinity (the strings "NaN", "Infinity", "-Infinity" in the answers) leave a gap in the
// line and are marked in red along the top of the chart.
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

// A metric value as answered: a number, one of the three strings, or null (no value).
export type Value = number | string | null;

export interface Columns {
  steps: number[];
  min: Value[];
  max: Value[];
  last: Value[];
}

export function finite(value: Value): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

// The x axis: training steps, or (monitoring) epoch seconds drawn as times.
export type Axis = "step" | "time";

export function MetricChart({ title, data, axis = "step" }: { title: string; data: Columns; axis?: Axis }) {
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    if (!holder.current) return;
    const options: uPlot.Options = {
      title,
      width: Math.max(320, holder.current.clientWidth || 640),
      height: 240,
      scales: { x: { time: axis === "time" } },
      series: [
        { label: axis },
        { label: "min", stroke: "rgba(37, 99, 235, 0.25)" },
        { label: "max", stroke: "rgba(37, 99, 235, 0.25)" },
        { label: title, stroke: "#2563eb", width: 2 },
        {
          label: "NaN/∞",
          stroke: "#dc2626",
          paths: () => null,
          points: { show: true, size: 7, stroke: "#dc2626", fill: "#dc2626" },
        },
      ],
      bands: [{ series: [2, 1], fill: "rgba(37, 99, 235, 0.12)" }],
    };
    plot.current = new uPlot(options, [[], [], [], [], []], holder.current);
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
  }, [title, axis]);

  const last = data.last.map(finite);
  const bounds = [...data.max.map(finite), ...last].filter((v): v is number => v !== null);
  const top = bounds.length ? Math.max(...bounds) : 0;
  const marks = data.last.map((v) => (finite(v) === null && v !== null ? top : null));
  const nonFinite = marks.filter((v) => v !== null).length;

  useEffect(() => {
    plot.current?.setData([data.steps, data.min.map(finite), data.max.map(finite), last, marks]);
  }, [data]);

  const shown = data.last[data.last.length - 1];
  return (
    <div
      className="chart"
      data-metric={title}
      data-points={data.steps.length}
      data-axis={axis}
      data-nonfinite={nonFinite}
    >
      <div ref={holder} />
      <div className="chart-caption">
        {data.steps.length} points
        {nonFinite > 0 && <span className="nonfinite">, {nonFinite} NaN/∞ (gaps, marked red)</span>}
        {data.steps.length > 0 &&
          `, last ${typeof shown === "number" ? shown.toPrecision(4) : shown} ${
            axis === "time"
              ? `at ${new Date(data.steps[data.steps.length - 1] * 1000).toLocaleString()}`
              : `at step ${data.steps[data.steps.length - 1]}`
          }`}
      </div>
    </div>
  );
}

// Merge live points into bucket columns, ordered by step; a step seen again replaces.
export function withPoints(columns: Columns, points: { step: number; value: Value }[]): Columns {
  if (points.length === 0) return columns;
  const byStep = new Map<number, [Value, Value, Value]>();
  columns.steps.forEach((step, i) => byStep.set(step, [columns.min[i], columns.max[i], columns.last[i]]));
  for (const { step, value } of points) byStep.set(step, [finite(value), finite(value), value]);
  const steps = [...byStep.keys()].sort((a, b) => a - b);
  return {
    steps,
    min: steps.map((s) => byStep.get(s)![0]),
    max: steps.map((s) => byStep.get(s)![1]),
    last: steps.map((s) => byStep.get(s)![2]),
  };
}
