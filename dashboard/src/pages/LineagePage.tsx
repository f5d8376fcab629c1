// A model version's lineage: what it came from (datasets → runs/jobs → this version) and
// where it went (deployments), as a layered graph drawn by depth.
import { useQuery } from "urql";
import { graphql } from "../gql";
import { href } from "../router";

const LineageQuery = graphql(`
  query VersionLineage($id: ID!) {
    node(id: $id) {
      ... on ModelVersion {
        __typename
        id
        version
        model { name }
        upstream: lineage(direction: UPSTREAM, depth: 6) {
          nodes { id type label depth }
          edges { from to kind role }
        }
        downstream: lineage(direction: DOWNSTREAM, depth: 2) {
          nodes { id type label depth }
          edges { from to kind role }
        }
      }
    }
  }
`);

const LINK: Record<string, string> = { Run: "runs", Deployment: "deployments", ModelVersion: "lineage" };

export function LineagePage({ id }: { id: string }) {
  const [{ data, error }] = useQuery({ query: LineageQuery, variables: { id } });
  if (error) return <p className="error">{error.message}</p>;
  const version = data?.node?.__typename === "ModelVersion" ? data.node : null;
  if (!version) return <p>{data ? "No model version with this id." : "Loading…"}</p>;
  // Upstream depths count back from the version (shown left), downstream forward (right).
  const columns = new Map<number, { id: string; type: string; label?: string | null }[]>();
  for (const node of version.upstream.nodes) {
    const column = -node.depth;
    columns.set(column, [...(columns.get(column) ?? []), node]);
  }
  for (const node of version.downstream.nodes) {
    if (node.depth === 0) continue;
    columns.set(node.depth, [...(columns.get(node.depth) ?? []), node]);
  }
  const edges = [...version.upstream.edges, ...version.downstream.edges];
  return (
    <section>
      <h2>
        Lineage of {version.model?.name} {version.version}
      </h2>
      <div className="lineage">
        {[...columns.keys()]
          .sort((a, b) => a - b)
          .map((column) => (
            <div key={column} className="lineage-column">
              {columns.get(column)!.map((node) => (
                <div key={node.id} className={`lineage-node ${node.type}`}>
                  <div className="muted">{node.type}</div>
                  {LINK[node.type] ? <a href={href(LINK[node.type], node.id)}>{node.label ?? node.id}</a> : node.label}
                </div>
              ))}
            </div>
          ))}
      </div>
      <p className="muted">{edges.length} edges: {[...new Set(edges.map((e) => e.kind))].join(", ")}</p>
    </section>
  );
}
