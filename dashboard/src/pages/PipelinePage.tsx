// A pipeline as a DAG: each step a box in the column of its longest path from a first step,
// an arrow from each step it depends on, coloured by the step's status in the chosen run,
// followed live (pipelineRunStatus) until the run ends: no reload, no polling.
import { useState } from "react";
import { useQuery, useSubscription } from "urql";
import { graphql } from "../gql";
import { href } from "../router";

const PipelineQuery = graphql(`
  query PipelinePage($id: ID!) {
    node(id: $id) {
      ... on Pipeline {
        __typename
        id
        name
        status
        workflowType
        orchestrator
        project { id name }
        steps { name kind dependsOn }
        runs(first: 10) { nodes { id status createdAt steps { name status } } }
      }
    }
  }
`);

const RunStatus = graphql(`
  subscription PipelinePageRunStatus($id: ID!) {
    pipelineRunStatus(pipelineRunId: $id) { pipelineRunId status version steps { name status } }
  }
`);

const WIDTH = 210;
const HEIGHT = 48;
const GAP_X = 70;
const GAP_Y = 16;

export function PipelinePage({ id }: { id: string }) {
  const [{ data, error, fetching }] = useQuery({ query: PipelineQuery, variables: { id } });
  const [chosen, setChosen] = useState<string | null>(null);
  const pipeline = data?.node?.__typename === "Pipeline" ? data.node : null;
  const runs = pipeline?.runs.nodes ?? [];
  const listed = runs.find((r) => r.id === chosen) ?? runs[0] ?? null;
  // The chosen run's state now and after each change (the server ends the stream when the
  // run ends); a message of an earlier choice is ignored.
  const [{ data: live }] = useSubscription({
    query: RunStatus,
    variables: { id: listed?.id ?? "" },
    pause: !listed,
  });
  const now = live?.pipelineRunStatus;
  const run = listed && now?.pipelineRunId === listed.id ? { ...listed, status: now.status, steps: now.steps } : listed;

  if (error) return <p className="error">{error.message}</p>;
  if (!pipeline) return <p>{fetching ? "Loading…" : "No pipeline with this id (or it is not yours to see)."}</p>;

  // Column of a step: the longest chain of dependencies before it.
  const byName = new Map(pipeline.steps.map((s) => [s.name, s]));
  const column = new Map<string, number>();
  const depth = (name: string, seen: Set<string> = new Set()): number => {
    if (column.has(name)) return column.get(name)!;
    if (seen.has(name)) return 0; // a cycle is refused by the server; never loop here
    seen.add(name);
    const parents = byName.get(name)?.dependsOn ?? [];
    const value = parents.length ? 1 + Math.max(...parents.map((p) => depth(p, seen))) : 0;
    column.set(name, value);
    return value;
  };
  pipeline.steps.forEach((s) => depth(s.name));
  const rows = new Map<number, number>();
  const placed = new Map<string, { x: number; y: number }>();
  for (const step of pipeline.steps) {
    const c = column.get(step.name)!;
    const r = rows.get(c) ?? 0;
    rows.set(c, r + 1);
    placed.set(step.name, { x: 10 + c * (WIDTH + GAP_X), y: 10 + r * (HEIGHT + GAP_Y) });
  }
  const columns = Math.max(...[...column.values()], 0) + 1;
  const tallest = Math.max(...[...rows.values()], 1);
  const status = new Map((run?.steps ?? []).map((s) => [s.name, s.status]));

  return (
    <section className="pipeline" data-run-status={run?.status ?? ""}>
      <h2>
        Pipeline {pipeline.name} <span className="muted">{pipeline.status}</span>
      </h2>
      <p>
        {pipeline.project && <a href={href("projects", pipeline.project.id)}>{pipeline.project.name}</a>} ·{" "}
        {pipeline.workflowType} on {pipeline.orchestrator}
      </p>
      {runs.length > 0 ? (
        <label>
          Run{" "}
          <select name="run" value={run?.id ?? ""} onChange={(e) => setChosen(e.target.value)}>
            {runs.map((r) => (
              <option key={r.id} value={r.id}>
                {new Date(r.createdAt).toLocaleString()} — {r.id === run?.id ? run.status : r.status}
              </option>
            ))}
          </select>
        </label>
      ) : (
        <p className="muted">No runs yet: start one with pipelineRunCreate (an ACTIVE pipeline only).</p>
      )}
      <svg
        className="pipeline-dag"
        width={20 + columns * (WIDTH + GAP_X) - GAP_X}
        height={20 + tallest * (HEIGHT + GAP_Y) - GAP_Y}
        data-steps={pipeline.steps.length}
      >
        <defs>
          <marker id="dag-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto">
            <path d="M0,0 L10,5 L0,10 z" fill="#64748b" />
          </marker>
        </defs>
        {pipeline.steps.flatMap((step) =>
          step.dependsOn.map((parent) => {
            const a = placed.get(parent);
            const b = placed.get(step.name)!;
            if (!a) return null;
            return (
              <line
                key={`${parent}->${step.name}`}
                className="dag-edge"
                x1={a.x + WIDTH}
                y1={a.y + HEIGHT / 2}
                x2={b.x}
                y2={b.y + HEIGHT / 2}
                stroke="#64748b"
                markerEnd="url(#dag-arrow)"
              />
            );
          }),
        )}
        {pipeline.steps.map((step) => {
          const at = placed.get(step.name)!;
          const state = status.get(step.name) ?? "—";
          return (
            <g key={step.name} transform={`translate(${at.x},${at.y})`} className="dag-step" data-step={step.name}
               data-status={state}>
              <rect width={WIDTH} height={HEIGHT} rx="6" className={`step-status ${state}`} />
              <text x="8" y="18" fontSize="13" fill="#0f172a">
                {step.name}
              </text>
              <text x="8" y="36" fontSize="10" fill="#334155">
                {step.kind} · {state}
              </text>
            </g>
          );
        })}
      </svg>
    </section>
  );
}
