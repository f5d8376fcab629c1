// Several curves on one uPlot chart: one line per run (selected runs overlaid) or per group
// of runs (its mean), each group with a shaded band from mean − std to mean + std. Gaps
// (a step one curve has and another has not) are bridged along each line.
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export const PALETTE = [
  "#2563eb",
  "#dc2626",
  "#16a34a",
  "#9333ea",
  "#ea580c",
  "#0891b2",
  "#4d7c0f",
  "#be185d",
  "#854d0e",
  "#475569",
];

export interface Curve {
  label: string;
  points: Map<number, { y: number | null; low?: number | null; high?: number | null }>; // by x
}

function translucent(color: string): string {
  return `${color}26`; // #rrggbb + alpha 0.15
}

export function CompareChart({
  kind,
  title,
  curves,
  bands,
}: {
  kind: string;
  title: string;
  curves: Curve[];
  bands: boolean;
}) {
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const labels = curves.map((c) => c.label).join("\u0000");

  const xs = [...new Set(curves.flatMap((c) => [...c.points.keys()]))].sort((a, b) => a - b);
  const data: (number | null)[][] = [xs];
  for (const curve of curves) {
    data.push(xs.map((x) => curve.points.get(x)?.y ?? null));
    if (bands) {
      data.push(xs.map((x) => curve.points.get(x)?.low ?? null));
      data.push(xs.map((x) => curve.points.get(x)?.high ?? null));
    }
  }

  useEffect(() => {
    if (!holder.current) return;
    const series: uPlot.Series[] = [{ label: "step" }];
    const bandList: uPlot.Band[] = [];
    curves.forEach((curve, i) => {
      const color = PALETTE[i % PALETTE.length];
      series.push({ label: curve.label, stroke: color, width: 2, spanGaps: true });
      if (bands) {
        const at = series.length;
        series.push({ label: `${curve.label} −σ`, stroke: "transparent", spanGaps: true, points: { show: false } });
        series.push({ label: `${curve.label} +σ`, stroke: "transparent", spanGaps: true, points: { show: false } });
        bandList.push({ series: [at + 1, at], fill: translucent(color) });
      }
    });
    const options: uPlot.Options = {
      title,
      width: Math.max(320, holder.current.clientWidth || 640),
      height: 280,
      scales: { x: { time: false } },
      series,
      bands: bandList,
      legend: { show: false }, // the caption names the curves (the band edges need no entry)
    };
    plot.current = new uPlot(options, data as uPlot.AlignedData, holder.current);
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
    // Recreated when the curves (not their points) change; points go through setData.
  }, [title, labels, bands]);

  useEffect(() => {
    plot.current?.setData(data as uPlot.AlignedData);
  });

  const points = curves.reduce((n, c) => n + c.points.size, 0);
  return (
    <figure
      className="chart compare-chart"
      data-chart={kind}
      data-curves={curves.length}
      data-points={points}
      data-max-step={xs.length ? xs[xs.length - 1] : -1}
    >
      <div ref={holder} />
      <figcaption className="chart-caption">
        <ul className="legend">
          {curves.map((curve, i) => (
            <li key={curve.label}>
              <span className="swatch" style={{ background: PALETTE[i % PALETTE.length] }} aria-hidden="true" />
              {curve.label}
            </li>
          ))}
        </ul>
        {curves.length === 0
          ? "Nothing to draw yet: the curves appear as the runs log this metric."
          : `${curves.length} ${curves.length === 1 ? "curve" : "curves"}, ${points} points${
              xs.length ? `, up to step ${xs[xs.length - 1]}` : ""
            }${bands ? "; shaded: mean ± std" : ""}`}
      </figcaption>
    </figure>
  );
}
