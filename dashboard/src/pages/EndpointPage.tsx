// A serving endpoint (a model in one environment): its active and previous deployment, the
// traffic split — editable here, refused or not by the server —, its promotion policy's
// state and last decision, and its history.
import { useState } from "react";
import { useMutation, useQuery } from "urql";
import { graphql } from "../gql";
import { type Problem, Problems, problemsOf } from "../problems";
import { href } from "../router";

const EndpointQuery = graphql(`
  query EndpointPage($id: ID!) {
    node(id: $id) {
      ... on ServingEndpoint {
        __typename
        id
        status
        url
        model { id name }
        environment { id name }
        activeDeployment { id name modelVersion { version } }
        previousDeployment { id name modelVersion { version } }
        trafficSplit(first: 20) { nodes { id name trafficPercentage modelVersion { version } } }
        promotionPolicy {
          enabled
          bakeMinutes
          maxAlertSeverity
          lastDecision
          lastDecisionAt
          lastReason
        }
        history(first: 20) {
          nodes {
            reason
            createdAt
            fromDeployment { name }
            toDeployment { name }
            actor { email }
          }
        }
      }
    }
  }
`);

const TrafficSet = graphql(`
  mutation EndpointTrafficSet($input: DeploymentTrafficSetInput!) {
    deploymentTrafficSet(input: $input) {
      deployments { id trafficPercentage }
      userErrors { field code message }
    }
  }
`);

export function EndpointPage({ id }: { id: string }) {
  const [{ data, error, fetching }, refetch] = useQuery({ query: EndpointQuery, variables: { id } });
  const [, setTraffic] = useMutation(TrafficSet);
  const [shares, setShares] = useState<Record<string, string>>({});
  const [problems, setProblems] = useState<Problem[]>([]);
  if (error) return <p className="error">{error.message}</p>;
  const endpoint = data?.node?.__typename === "ServingEndpoint" ? data.node : null;
  if (!endpoint) return <p>{fetching ? "Loading…" : "No endpoint with this id (or it is not yours to see)."}</p>;
  const split = endpoint.trafficSplit.nodes;
  const share = (deploymentId: string, current: number) => shares[deploymentId] ?? String(current);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (!endpoint?.model || !endpoint.environment) return;
    const result = await setTraffic({
      input: {
        modelId: endpoint.model.id,
        environmentId: endpoint.environment.id,
        splits: split.map((d) => ({ deploymentId: d.id, percentage: Number(share(d.id, d.trafficPercentage)) })),
      },
    });
    const errors = problemsOf(result, "deploymentTrafficSet");
    setProblems(errors);
    if (!errors.length) {
      setShares({});
      refetch({ requestPolicy: "network-only" });
    }
  }

  const policy = endpoint.promotionPolicy;
  return (
    <section className="endpoint" data-status={endpoint.status}>
      <h2>
        {endpoint.model ? <a href={href("models", endpoint.model.id)}>{endpoint.model.name}</a> : "Model"} in{" "}
        {endpoint.environment?.name} <span className={`status ${endpoint.status}`}>{endpoint.status}</span>
      </h2>
      {endpoint.url && (
        <p>
          <code>{endpoint.url}</code>
        </p>
      )}
      <p>
        Active:{" "}
        {endpoint.activeDeployment ? (
          <a href={href("deployments", endpoint.activeDeployment.id)}>
            {endpoint.activeDeployment.name} ({endpoint.activeDeployment.modelVersion?.version})
          </a>
        ) : (
          <span className="muted">none — activate a deployment of this model here</span>
        )}
        {" · "}Previous:{" "}
        {endpoint.previousDeployment ? (
          <a href={href("deployments", endpoint.previousDeployment.id)}>{endpoint.previousDeployment.name}</a>
        ) : (
          <span className="muted">none</span>
        )}
      </p>

      <h3>Traffic</h3>
      {split.length === 0 ? (
        <p className="muted">No active deployment takes traffic yet.</p>
      ) : (
        <form className="traffic" onSubmit={submit}>
          <table>
            <thead>
              <tr>
                <th scope="col">Deployment</th>
                <th scope="col">Version</th>
                <th scope="col">Share (%)</th>
              </tr>
            </thead>
            <tbody>
              {split.map((deployment) => (
                <tr key={deployment.id} data-deployment={deployment.name} data-traffic={deployment.trafficPercentage}>
                  <td>
                    <a href={href("deployments", deployment.id)}>{deployment.name}</a>
                  </td>
                  <td>{deployment.modelVersion?.version}</td>
                  <td>
                    <input
                      type="number"
                      min={0}
                      max={100}
                      aria-label={`Share of ${deployment.name}`}
                      value={share(deployment.id, deployment.trafficPercentage)}
                      onChange={(e) => setShares((s) => ({ ...s, [deployment.id]: e.target.value }))}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <button type="submit">Set traffic</button>{" "}
          <Problems errors={problems} label="Problems setting the traffic" />
        </form>
      )}

      <h3>Promotion policy</h3>
      {policy ? (
        <p data-decision={policy.lastDecision ?? ""}>
          {policy.enabled ? "On" : "Off"}: a canary bakes {policy.bakeMinutes} min, alerts up to{" "}
          {policy.maxAlertSeverity}.{" "}
          {policy.lastDecision
            ? `Last decision ${policy.lastDecision} (${new Date(policy.lastDecisionAt!).toLocaleString()}): ${policy.lastReason ?? ""}`
            : "No decision yet."}
        </p>
      ) : (
        <p className="muted">No promotion policy: canaries are promoted by hand (set one with promotionPolicySet).</p>
      )}

      <h3>History</h3>
      <ul className="endpoint-history">
        {endpoint.history.nodes.map((event, i) => (
          <li key={i} data-reason={event.reason}>
            {new Date(event.createdAt).toLocaleString()} {event.reason}: {event.fromDeployment?.name ?? "—"} →{" "}
            {event.toDeployment?.name ?? "—"} {event.actor ? `by ${event.actor.email}` : ""}
          </li>
        ))}
      </ul>
    </section>
  );
}
