// One metric as a uPlot chart: the min–max band of each bucket and its last value as a
// line. Points that arrive live are buckets of one point (min = max = last).
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface Columns {
  steps: number[];
  min: number[];
  max: number[];
  last: number[];
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
      ],
      bands: [{ series: [2, 1], fill: "rgba(37, 99, 235, 0.12)" }],
    };
    plot.current = new uPlot(options, [[], [], [], []], holder.current);
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
  }, [title, axis]);

  useEffect(() => {
    plot.current?.setData([data.steps, data.min, data.max, data.last]);
  }, [data]);

  return (
    <div className="chart" data-metric={title} data-points={data.steps.length} data-axis={axis}>
      <div ref={holder} />
      <div className="chart-caption">
        {data.steps.length} points
        {data.steps.length > 0 &&
          `, last ${data.last[data.last.length - 1].toPrecision(4)} ${
            axis === "time"
              ? `at ${new Date(data.steps[data.steps.length - 1] * 1000).toLocaleString()}`
              : `at step ${data.steps[data.steps.length - 1]}`
          }`}
      </div>
    </div>
  );
}

// Merge live points into bucket columns, ordered by step; a step seen again replaces.
export function withPoints(columns: Columns, points: { step: number; value: number }[]): Columns {
  if (points.length === 0) return columns;
  const byStep = new Map<number, [number, number, number]>();
  columns.steps.forEach((step, i) => byStep.set(step, [columns.min[i], columns.max[i], columns.last[i]]));
  for (const { step, value } of points) byStep.set(step, [value, value, value]);
  const steps = [...byStep.keys()].sort((a, b) => a - b);
  return {
    steps,
    min: steps.map((s) => byStep.get(s)![0]),
    max: steps.map((s) => byStep.get(s)![1]),
    last: steps.map((s) => byStep.get(s)![2]),
  };
}
