// A model version's lineage as a graph: what it came from (datasets → runs/jobs → this
// version, upstream, drawn left) and where it went (deployments, downstream, drawn right),
// one column per depth, every edge drawn with its kind; how far each way is the reader's
// choice. A node with a page opens it.
import { useState } from "react";
import { useQuery } from "urql";
import { graphql } from "../gql";
import { href } from "../router";

const LineageQuery = graphql(`
  query VersionLineage($id: ID!, $up: Int!, $down: Int!) {
    node(id: $id) {
      ... on ModelVersion {
        __typename
        id
        version
        model { name }
        upstream: lineage(direction: UPSTREAM, depth: $up) {
          nodes { id type label depth }
          edges { from to kind role }
          truncated
        }
        downstream: lineage(direction: DOWNSTREAM, depth: $down) {
          nodes { id type label depth }
          edges { from to kind role }
          truncated
        }
      }
    }
  }
`);

const LINK: Record<string, string> = {
  Run: "runs",
  Deployment: "deployments",
  ModelVersion: "versions",
  Experiment: "experiments",
};
const WIDTH = 190;
const HEIGHT = 46;
const GAP_X = 90;
const GAP_Y = 18;
const DEPTHS = [1, 2, 3, 4, 6, 8];

type Placed = { id: string; type: string; label?: string | null; x: number; y: number };

export function LineagePage({ id }: { id: string }) {
  const [up, setUp] = useState(6);
  const [down, setDown] = useState(2);
  const [{ data, error, fetching }] = useQuery({ query: LineageQuery, variables: { id, up, down } });
  if (error) return <p className="error">{error.message}</p>;
  const version = data?.node?.__typename === "ModelVersion" ? data.node : null;
  if (!version) return <p>{fetching || !data ? "Loading…" : "No model version with this id."}</p>;

  // Upstream depths count back from the version (shown left), downstream forward (right).
  const columns = new Map<number, { id: string; type: string; label?: string | null }[]>();
  const seen = new Set<string>();
  const add = (column: number, node: { id: string; type: string; label?: string | null }) => {
    if (seen.has(node.id)) return;
    seen.add(node.id);
    columns.set(column, [...(columns.get(column) ?? []), node]);
  };
  for (const node of version.upstream.nodes) add(-node.depth, node);
  for (const node of version.downstream.nodes) add(node.depth, node);
  const order = [...columns.keys()].sort((a, b) => a - b);
  const placed = new Map<string, Placed>();
  order.forEach((column, i) =>
    columns.get(column)!.forEach((node, row) =>
      placed.set(node.id, { ...node, x: 10 + i * (WIDTH + GAP_X), y: 10 + row * (HEIGHT + GAP_Y) }),
    ),
  );
  // Each edge once (the two walks share the version's own), both ends drawn; a Set, not a
  // search per edge: a walk may return 10,000 edges.
  const drawn = new Set<string>();
  const edges = [...version.upstream.edges, ...version.downstream.edges].filter((e) => {
    const key = `${e.from} ${e.to} ${e.kind}`;
    if (drawn.has(key) || !placed.has(e.from) || !placed.has(e.to)) return false;
    drawn.add(key);
    return true;
  });
  const width = 20 + order.length * (WIDTH + GAP_X) - GAP_X;
  const tallest = Math.max(...order.map((c) => columns.get(c)!.length));
  const height = 20 + tallest * (HEIGHT + GAP_Y) - GAP_Y;
  const truncated = version.upstream.truncated || version.downstream.truncated;

  return (
    <section>
      <h2>
        Lineage of {version.model?.name} <a href={href("versions", version.id)}>{version.version}</a>
      </h2>
      <form className="lineage-controls" onSubmit={(e) => e.preventDefault()}>
        <label>
          Upstream depth{" "}
          <select name="up" value={up} onChange={(e) => setUp(Number(e.target.value))}>
            {DEPTHS.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </label>{" "}
        <label>
          Downstream depth{" "}
          <select name="down" value={down} onChange={(e) => setDown(Number(e.target.value))}>
            {DEPTHS.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </label>
      </form>
      {truncated && <p className="error">The walk reached its bound: this is part of the graph; choose a smaller depth.</p>}
      <p className="muted">
        {placed.size} nodes, {edges.length} edges
      </p>
      <svg className="lineage-graph" width={width} height={height} data-nodes={placed.size} data-edges={edges.length}>
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto">
            <path d="M0,0 L10,5 L0,10 z" fill="#64748b" />
          </marker>
        </defs>
        {edges.map((edge) => {
          const a = placed.get(edge.from)!;
          const b = placed.get(edge.to)!;
          const [left, right] = a.x <= b.x ? [a, b] : [b, a];
          const x1 = left.x + WIDTH;
          const y1 = left.y + HEIGHT / 2;
          const x2 = right.x;
          const y2 = right.y + HEIGHT / 2;
          return (
            <g key={`${edge.from}-${edge.to}-${edge.kind}`} className="lineage-edge" data-kind={edge.kind}>
              <line x1={x1} y1={y1} x2={x2} y2={y2} stroke="#64748b" markerEnd="url(#arrow)" />
              <text x={(x1 + x2) / 2} y={(y1 + y2) / 2 - 4} textAnchor="middle" fontSize="10" fill="#475569">
                {edge.kind.toLowerCase()}
                {edge.role ? ` (${edge.role.toLowerCase()})` : ""}
              </text>
            </g>
          );
        })}
        {[...placed.values()].map((node) => {
          const box = (
            <>
              <rect width={WIDTH} height={HEIGHT} rx="6" className={`lineage-node ${node.type}`} />
              <text x="8" y="16" fontSize="10" fill="#475569">
                {node.type}
              </text>
              <text x="8" y="34" fontSize="13" fill="#0f172a">
                {(node.label ?? node.id).slice(0, 26)}
              </text>
            </>
          );
          return (
            <g
              key={node.id}
              transform={`translate(${node.x},${node.y})`}
              className="lineage-box"
              data-type={node.type}
              data-label={node.label ?? ""}
            >
              {LINK[node.type] ? (
                <a href={href(LINK[node.type], node.id)}>
                  {box}
                </a>
              ) : (
                box
              )}
            </g>
          );
        })}
      </svg>
    </section>
  );
}
