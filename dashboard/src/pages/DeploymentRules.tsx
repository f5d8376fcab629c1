// A deployment's alert rules (its own and its project's) — created, edited and deleted
// here, the server's userErrors beside the control — and its predictions, filtered by the
// server's filters.
import { useState } from "react";
import { useMutation, useQuery } from "urql";
import { graphql } from "../gql";
import type { AlertSeverity, Comparator } from "../gql/graphql";
import { type Problem, Problems, problemsOf } from "../problems";

const RulesQuery = graphql(`
  query DeploymentRules($project: ID!) {
    node(id: $project) {
      ... on Project {
        __typename
        alertRules(first: 100) {
          nodes {
            id
            name
            metricName
            comparator
            threshold
            severity
            enabled
            deployment { id }
          }
        }
      }
    }
  }
`);

const RuleCreate = graphql(`
  mutation DeploymentRuleCreate($input: AlertRuleCreateInput!) {
    alertRuleCreate(input: $input) {
      alertRule { id }
      userErrors { field code message }
    }
  }
`);

const RuleUpdate = graphql(`
  mutation DeploymentRuleUpdate($input: AlertRuleUpdateInput!) {
    alertRuleUpdate(input: $input) {
      alertRule { id threshold enabled }
      userErrors { field code message }
    }
  }
`);

const RuleDelete = graphql(`
  mutation DeploymentRuleDelete($input: AlertRuleDeleteInput!) {
    alertRuleDelete(input: $input) {
      alertRule { id }
      userErrors { field code message }
    }
  }
`);

const PredictionsQuery = graphql(`
  query DeploymentPredictions($id: ID!, $filter: PredictionFilterInput) {
    node(id: $id) {
      ... on Deployment {
        __typename
        predictions(first: 20, filter: $filter) {
          totalCount
          nodes { id recordedAt latencyMs confidence status modelVersion { version } }
        }
      }
    }
  }
`);

const COMPARATORS: Comparator[] = ["GT", "GTE", "LT", "LTE"];
const SEVERITIES: AlertSeverity[] = ["LOW", "MEDIUM", "HIGH", "CRITICAL"];

export function AlertRules({ deploymentId, projectId }: { deploymentId: string; projectId: string }) {
  const [{ data }, refetch] = useQuery({ query: RulesQuery, variables: { project: projectId } });
  const [, create] = useMutation(RuleCreate);
  const [, update] = useMutation(RuleUpdate);
  const [, remove] = useMutation(RuleDelete);
  const [draft, setDraft] = useState({ name: "", metricName: "latency_ms", comparator: "GT" as Comparator,
    threshold: "", severity: "MEDIUM" as AlertSeverity });
  const [thresholds, setThresholds] = useState<Record<string, string>>({});
  const [problems, setProblems] = useState<Record<string, Problem[]>>({});
  const again = () => refetch({ requestPolicy: "network-only" });
  const project = data?.node?.__typename === "Project" ? data.node : null;
  const rules = (project?.alertRules.nodes ?? []).filter((r) => !r.deployment || r.deployment.id === deploymentId);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    const result = await create({
      input: { projectId, deploymentId, name: draft.name, metricName: draft.metricName,
        comparator: draft.comparator, threshold: Number(draft.threshold), severity: draft.severity },
    });
    const errors = problemsOf(result, "alertRuleCreate");
    setProblems((p) => ({ ...p, new: errors }));
    if (!errors.length) {
      setDraft((d) => ({ ...d, name: "", threshold: "" }));
      again();
    }
  }

  async function change(ruleId: string, input: { threshold?: number; enabled?: boolean }) {
    const errors = problemsOf(await update({ input: { alertRuleId: ruleId, ...input } }), "alertRuleUpdate");
    setProblems((p) => ({ ...p, [ruleId]: errors }));
    if (!errors.length) again();
  }

  async function drop(ruleId: string) {
    const errors = problemsOf(await remove({ input: { alertRuleId: ruleId } }), "alertRuleDelete");
    setProblems((p) => ({ ...p, [ruleId]: errors }));
    if (!errors.length) again();
  }

  return (
    <>
      <h3>Alert rules</h3>
      {rules.length === 0 && <p className="muted">No rules watch this deployment yet: add one below.</p>}
      <ul className="alert-rules">
        {rules.map((rule) => (
          <li key={rule.id} className="alert-rule" data-rule={rule.name} data-threshold={rule.threshold}
              data-enabled={String(rule.enabled)}>
            <strong>{rule.name}</strong>: {rule.metricName} {rule.comparator} {rule.threshold} ({rule.severity})
            {rule.deployment ? "" : " · every deployment of the project"}{" "}
            <input
              type="number"
              step="any"
              aria-label={`Threshold of ${rule.name}`}
              value={thresholds[rule.id] ?? String(rule.threshold)}
              onChange={(e) => setThresholds((t) => ({ ...t, [rule.id]: e.target.value }))}
            />{" "}
            <button type="button" onClick={() => change(rule.id, { threshold: Number(thresholds[rule.id] ?? rule.threshold) })}>
              Save {rule.name}
            </button>{" "}
            <button type="button" onClick={() => change(rule.id, { enabled: !rule.enabled })}>
              {rule.enabled ? "Pause" : "Resume"} {rule.name}
            </button>{" "}
            <button type="button" onClick={() => drop(rule.id)}>
              Delete {rule.name}
            </button>{" "}
            <Problems errors={problems[rule.id]} label={`Problems with ${rule.name}`} />
          </li>
        ))}
      </ul>
      <form className="rule-form" onSubmit={submit}>
        <label>
          Name <input name="ruleName" value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} />
        </label>{" "}
        <label>
          Metric{" "}
          <input name="ruleMetric" value={draft.metricName} onChange={(e) => setDraft({ ...draft, metricName: e.target.value })} />
        </label>{" "}
        <label>
          When{" "}
          <select name="ruleComparator" value={draft.comparator}
                  onChange={(e) => setDraft({ ...draft, comparator: e.target.value as Comparator })}>
            {COMPARATORS.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>{" "}
        <label>
          Threshold{" "}
          <input name="ruleThreshold" type="number" step="any" value={draft.threshold}
                 onChange={(e) => setDraft({ ...draft, threshold: e.target.value })} />
        </label>{" "}
        <label>
          Severity{" "}
          <select name="ruleSeverity" value={draft.severity}
                  onChange={(e) => setDraft({ ...draft, severity: e.target.value as AlertSeverity })}>
            {SEVERITIES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>{" "}
        <button type="submit">Add rule</button> <Problems errors={problems.new} label="Problems adding the rule" />
      </form>
    </>
  );
}

export function Predictions({ deploymentId }: { deploymentId: string }) {
  const [form, setForm] = useState({ minLatencyMs: "", maxLatencyMs: "", minConfidence: "" });
  const [filter, setFilter] = useState<Record<string, number>>({});
  const [{ data, error }] = useQuery({ query: PredictionsQuery, variables: { id: deploymentId, filter } });
  const deployment = data?.node?.__typename === "Deployment" ? data.node : null;
  return (
    <>
      <h3>Predictions</h3>
      <form
        className="prediction-filter"
        onSubmit={(event) => {
          event.preventDefault();
          const chosen: Record<string, number> = {};
          for (const [key, value] of Object.entries(form)) if (value !== "") chosen[key] = Number(value);
          setFilter(chosen);
        }}
      >
        <label>
          Latency from (ms) <input name="minLatencyMs" type="number" step="any" value={form.minLatencyMs}
                                   onChange={(e) => setForm({ ...form, minLatencyMs: e.target.value })} />
        </label>{" "}
        <label>
          to (ms) <input name="maxLatencyMs" type="number" step="any" value={form.maxLatencyMs}
                         onChange={(e) => setForm({ ...form, maxLatencyMs: e.target.value })} />
        </label>{" "}
        <label>
          Confidence from <input name="minConfidence" type="number" step="any" value={form.minConfidence}
                                 onChange={(e) => setForm({ ...form, minConfidence: e.target.value })} />
        </label>{" "}
        <button type="submit">Filter</button>
      </form>
      {error && <p className="error">{error.message}</p>}
      {deployment && (
        <table className="predictions" data-count={deployment.predictions.totalCount}>
          <caption>{deployment.predictions.totalCount} predictions match (the newest 20 shown)</caption>
          <thead>
            <tr>
              <th scope="col">Recorded</th>
              <th scope="col">Latency (ms)</th>
              <th scope="col">Confidence</th>
              <th scope="col">Status</th>
              <th scope="col">Version</th>
            </tr>
          </thead>
          <tbody>
            {deployment.predictions.nodes.map((p) => (
              <tr key={p.id}>
                <td>{new Date(p.recordedAt).toLocaleString()}</td>
                <td>{p.latencyMs ?? ""}</td>
                <td>{p.confidence ?? ""}</td>
                <td>{p.status}</td>
                <td>{p.modelVersion?.version}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
