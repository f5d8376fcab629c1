// A model: its versions (stage, metrics, source run), its aliases with their history, and
// the version in production. Each version's stage can be moved and an alias set from here;
// the server's userErrors show next to the control that sent them.
import { useState } from "react";
import { useMutation, useQuery } from "urql";
import { graphql } from "../gql";
import type { ModelStage } from "../gql/graphql";
import { type Problem, Problems, problemsOf } from "../problems";
import { href } from "../router";

const ModelQuery = graphql(`
  query ModelPage($id: ID!) {
    node(id: $id) {
      ... on Model {
        __typename
        id
        name
        description
        modelType
        framework
        serveType
        project { id name }
        productionVersion { id version }
        endpoints(first: 20) { nodes { id status environment { name } activeDeployment { name } } }
        versions(first: 50) {
          totalCount
          nodes {
            id
            version
            stage
            metrics
            stageChangedAt
            createdAt
            run { id name }
          }
        }
        aliases(first: 20) {
          nodes {
            id
            name
            modelVersion { id version }
            history(first: 5) {
              nodes { createdAt fromVersion { version } toVersion { version } actor { email } }
            }
          }
        }
      }
    }
  }
`);

const Transition = graphql(`
  mutation ModelPageTransition($input: ModelVersionTransitionInput!) {
    modelVersionTransition(input: $input) {
      modelVersion { id stage }
      userErrors { field code message }
    }
  }
`);

const AliasSet = graphql(`
  mutation ModelPageAliasSet($input: ModelAliasSetInput!) {
    modelAliasSet(input: $input) {
      modelAlias { id name modelVersion { id version } }
      userErrors { field code message }
    }
  }
`);

const STAGES: ModelStage[] = ["DEVELOPMENT", "STAGING", "PRODUCTION", "ARCHIVED"];

function metricsText(metrics: unknown): string {
  if (!metrics || typeof metrics !== "object") return "";
  return Object.entries(metrics as Record<string, unknown>)
    .map(([key, value]) => `${key} ${typeof value === "number" ? Number(value.toPrecision(4)) : String(value)}`)
    .join(", ");
}

export function ModelPage({ id }: { id: string }) {
  const [{ data, error, fetching }, refetch] = useQuery({ query: ModelQuery, variables: { id } });
  const [, transition] = useMutation(Transition);
  const [, setAlias] = useMutation(AliasSet);
  const [stageErrors, setStageErrors] = useState<Record<string, Problem[]>>({});
  const [aliasErrors, setAliasErrors] = useState<Problem[]>([]);
  const [aliasName, setAliasName] = useState("champion");
  const [aliasVersion, setAliasVersion] = useState("");

  if (error) return <p className="error">{error.message}</p>;
  const model = data?.node?.__typename === "Model" ? data.node : null;
  if (!model) return <p>{fetching ? "Loading…" : "No model with this id (or it is not yours to see)."}</p>;
  const again = () => refetch({ requestPolicy: "network-only" });

  async function move(versionId: string, stage: ModelStage) {
    const errors = problemsOf(await transition({ input: { modelVersionId: versionId, stage } }), "modelVersionTransition");
    setStageErrors((previous) => ({ ...previous, [versionId]: errors }));
    if (!errors.length) again();
  }

  async function pointAlias(event: React.FormEvent) {
    event.preventDefault();
    const result = await setAlias({
      input: { modelId: model!.id, name: aliasName, modelVersionId: aliasVersion },
    });
    const errors = problemsOf(result, "modelAliasSet");
    setAliasErrors(errors);
    if (!errors.length) again();
  }

  return (
    <section className="model">
      <h2>
        Model {model.name} <span className="muted">{model.project?.name}</span>
      </h2>
      <p>
        {model.modelType} · {model.framework} · {model.serveType} serve
        {model.description ? ` — ${model.description}` : ""}
      </p>
      <p data-production={model.productionVersion?.version ?? ""}>
        In production:{" "}
        {model.productionVersion ? (
          <strong>{model.productionVersion.version}</strong>
        ) : (
          <span className="muted">no version yet — move one to PRODUCTION below</span>
        )}
      </p>

      <h3>Endpoints</h3>
      {model.endpoints.nodes.length === 0 ? (
        <p className="muted">Not served anywhere yet: deploy a version to an environment.</p>
      ) : (
        <ul className="endpoints">
          {model.endpoints.nodes.map((endpoint) => (
            <li key={endpoint.id}>
              <a href={href("endpoints", endpoint.id)}>{endpoint.environment?.name}</a>{" "}
              <span className={`status ${endpoint.status}`}>{endpoint.status}</span>{" "}
              <span className="muted">{endpoint.activeDeployment?.name ?? "no active deployment"}</span>
            </li>
          ))}
        </ul>
      )}

      <h3>Versions ({model.versions.totalCount})</h3>
      {model.versions.nodes.length === 0 ? (
        <p className="muted">
          No versions yet: register one with <code>modelVersionCreate</code> or the Python client.
        </p>
      ) : (
        <table className="versions">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Stage</th>
              <th scope="col">Metrics</th>
              <th scope="col">Source run</th>
              <th scope="col">Move to</th>
            </tr>
          </thead>
          <tbody>
            {model.versions.nodes.map((version) => (
              <tr key={version.id} className="version" data-version={version.version} data-stage={version.stage}>
                <td>
                  <a href={href("versions", version.id)}>{version.version}</a>{" "}
                  <a href={href("lineage", version.id)} className="muted">
                    lineage
                  </a>
                </td>
                <td>
                  <span className={`stage ${version.stage}`}>{version.stage}</span>
                </td>
                <td>{metricsText(version.metrics)}</td>
                <td>{version.run ? <a href={href("runs", version.run.id)}>{version.run.name}</a> : "—"}</td>
                <td>
                  <select
                    aria-label={`Move ${version.version} to`}
                    value=""
                    onChange={(e) => e.target.value && move(version.id, e.target.value as ModelStage)}
                  >
                    <option value="">stage…</option>
                    {STAGES.filter((s) => s !== version.stage).map((stage) => (
                      <option key={stage} value={stage}>
                        {stage}
                      </option>
                    ))}
                  </select>{" "}
                  <Problems errors={stageErrors[version.id]} label={`Problems moving ${version.version}`} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h3>Aliases</h3>
      {model.aliases.nodes.length === 0 && <p className="muted">No aliases yet: point one at a version below.</p>}
      <ul className="aliases">
        {model.aliases.nodes.map((alias) => (
          <li key={alias.id} className="alias" data-alias={alias.name} data-version={alias.modelVersion?.version ?? ""}>
            <strong>{alias.name}</strong> → {alias.modelVersion?.version ?? "—"}
            <ul className="muted">
              {alias.history.nodes.map((event, i) => (
                <li key={i}>
                  {new Date(event.createdAt).toLocaleString()}: {event.fromVersion?.version ?? "—"} →{" "}
                  {event.toVersion?.version ?? "—"} {event.actor ? `by ${event.actor.email}` : ""}
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
      <form className="alias-form" onSubmit={pointAlias}>
        <label>
          Alias <input name="aliasName" value={aliasName} onChange={(e) => setAliasName(e.target.value)} />
        </label>{" "}
        <label>
          Version{" "}
          <select name="aliasVersion" value={aliasVersion} onChange={(e) => setAliasVersion(e.target.value)}>
            <option value="">choose…</option>
            {model.versions.nodes.map((version) => (
              <option key={version.id} value={version.id}>
                {version.version}
              </option>
            ))}
          </select>
        </label>{" "}
        <button type="submit">Set alias</button> <Problems errors={aliasErrors} label="Problems setting the alias" />
      </form>
    </section>
  );
}
