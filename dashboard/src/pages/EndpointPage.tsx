// A serving endpoint (a model in one environment): its active and previous deployment, the
// traffic split — editable here by those the server allows, its errors beside the form —, its
// promotion policy's state and last decision, and its history. The query (compiled to one
// statement) draws the page; the subscription (servingEndpointChanges) then sends it again
// after every change, made here or elsewhere, with the caller's permission
// (viewerCanSetTraffic, computed in Python, which would keep the query off the compiled path).
import { useState } from "react";
import { useMutation, useQuery, useSubscription } from "urql";
import { graphql } from "../gql";
import { type Problem, Problems, problemsOf } from "../problems";
import { href } from "../router";

graphql(`
  fragment EndpointPageFields on ServingEndpoint {
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
`);

const EndpointQuery = graphql(`
  query EndpointPage($id: ID!) {
    node(id: $id) {
      ... on ServingEndpoint {
        __typename
        ...EndpointPageFields
      }
    }
  }
`);

const EndpointChanges = graphql(`
  subscription EndpointPageChanges($id: ID!) {
    servingEndpointChanges(endpointId: $id) {
      ...EndpointPageFields
      viewerCanSetTraffic
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
  const [{ data, error, fetching }] = useQuery({ query: EndpointQuery, variables: { id } });
  // The endpoint now, then after each change (ours included): the newest message wins.
  const [{ data: live }] = useSubscription({ query: EndpointChanges, variables: { id } });
  const [, setTraffic] = useMutation(TrafficSet);
  const [shares, setShares] = useState<Record<string, string>>({});
  const [problems, setProblems] = useState<Problem[]>([]);
  if (error) return <p className="error">{error.message}</p>;
  const now = live?.servingEndpointChanges;
  const endpoint = now ?? (data?.node?.__typename === "ServingEndpoint" ? data.node : null);
  const editable = now?.viewerCanSetTraffic; // undefined until the first message
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
    if (!errors.length) setShares({}); // the new split arrives through the subscription
  }

  const splitTable = (editable: boolean) => (
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
              {editable ? (
                <input
                  type="number"
                  min={0}
                  max={100}
                  aria-label={`Share of ${deployment.name}`}
                  value={share(deployment.id, deployment.trafficPercentage)}
                  onChange={(e) => setShares((s) => ({ ...s, [deployment.id]: e.target.value }))}
                />
              ) : (
                deployment.trafficPercentage
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );

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
      ) : editable ? (
        <form className="traffic" onSubmit={submit}>
          {splitTable(true)}
          <button type="submit">Set traffic</button>{" "}
          <Problems errors={problems} label="Problems setting the traffic" />
        </form>
      ) : (
        <div className="traffic read-only">
          {splitTable(false)}
          {editable === false && (
            <p className="muted">
              You see this split but cannot change it: that takes a key that writes and a contributor of the project (an
              organization admin in a protected environment).
            </p>
          )}
        </div>
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
