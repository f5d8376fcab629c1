// A model version: its stage and training status, metrics, hyperparameters, the run it came
// from (with that run's params and files), its artifact (checksum, build), where it is
// deployed, its evaluations, and a summary of its lineage.
import { useQuery } from "urql";
import { graphql } from "../gql";
import { href } from "../router";
import { ParamTable } from "./RunPage";

const VersionQuery = graphql(`
  query VersionPage($id: ID!) {
    node(id: $id) {
      ... on ModelVersion {
        __typename
        id
        version
        stage
        stageChangedAt
        trainingStatus
        trainingDurationSeconds
        description
        metrics
        hyperparameters
        artifactUri
        artifactSizeBytes
        checksumAlgorithm
        checksum
        createdAt
        createdBy { email }
        model { id name }
        run {
          id
          name
          status
          params
          artifacts(first: 20) { nodes { path sizeBytes downloadUrl } }
        }
        trainingJob { id status }
        artifactBuild { status imageUrl errorMessage }
        deployments(first: 20) { nodes { id name status environment { name } } }
        evaluations(first: 10) { nodes { id status metrics datasetVersion { version dataset { name } } } }
        upstream: lineage(direction: UPSTREAM, depth: 3) { nodes { id type label depth } }
      }
    }
  }
`);

function bytes(size: number | null | undefined): string {
  if (size == null) return "";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) (value /= 1024), (unit += 1);
  return `${Number(value.toPrecision(3))} ${units[unit]}`;
}

export function VersionPage({ id }: { id: string }) {
  const [{ data, error, fetching }] = useQuery({ query: VersionQuery, variables: { id } });
  if (error) return <p className="error">{error.message}</p>;
  const version = data?.node?.__typename === "ModelVersion" ? data.node : null;
  if (!version) return <p>{fetching ? "Loading…" : "No model version with this id (or it is not yours to see)."}</p>;
  const inputs = version.upstream.nodes.filter((n) => n.type === "DatasetVersion");
  return (
    <section className="version-page" data-version={version.version}>
      <h2>
        {version.model ? <a href={href("models", version.model.id)}>{version.model.name}</a> : "Model"}{" "}
        {version.version} <span className={`stage ${version.stage}`}>{version.stage}</span>
      </h2>
      <p>
        Training: <span data-training-status={version.trainingStatus}>{version.trainingStatus}</span>
        {version.trainingDurationSeconds != null ? ` in ${Math.round(version.trainingDurationSeconds)} s` : ""}
        {version.createdBy ? ` · registered by ${version.createdBy.email}` : ""} ·{" "}
        {new Date(version.createdAt).toLocaleString()}
      </p>
      {version.description && <p>{version.description}</p>}

      <h3>Metrics</h3>
      <ParamTable params={(version.metrics as Record<string, unknown>) ?? {}} what="metric" />
      <h3>Hyperparameters</h3>
      <ParamTable params={(version.hyperparameters as Record<string, unknown>) ?? {}} what="hyperparameter" />

      <h3>Source run</h3>
      {version.run ? (
        <>
          <p>
            <a href={href("runs", version.run.id)}>{version.run.name}</a>{" "}
            <span className="muted">{version.run.status}</span>
            {version.trainingJob ? ` · training job ${version.trainingJob.status}` : ""}
          </p>
          <ParamTable params={(version.run.params as Record<string, unknown>) ?? {}} />
          {version.run.artifacts.nodes.length > 0 && (
            <ul className="artifacts">
              {version.run.artifacts.nodes.map((file) => (
                <li key={file.path}>
                  <a href={file.downloadUrl}>{file.path}</a> <span className="muted">{bytes(file.sizeBytes)}</span>
                </li>
              ))}
            </ul>
          )}
        </>
      ) : (
        <p className="muted">Registered without a run (its metrics and files were given directly).</p>
      )}

      <h3>Artifact</h3>
      {version.artifactUri ? (
        <p>
          <code>{version.artifactUri}</code> {bytes(version.artifactSizeBytes)}
          {version.checksum ? (
            <>
              {" "}
              · {version.checksumAlgorithm} <code className="checksum">{version.checksum}</code>
            </>
          ) : null}
        </p>
      ) : (
        <p className="muted">No artifact recorded yet.</p>
      )}
      {version.artifactBuild && (
        <p>
          Serving image: {version.artifactBuild.status}
          {version.artifactBuild.imageUrl ? <code> {version.artifactBuild.imageUrl}</code> : ""}
          {version.artifactBuild.errorMessage ? <span className="error"> {version.artifactBuild.errorMessage}</span> : ""}
        </p>
      )}

      <h3>Deployments</h3>
      {version.deployments.nodes.length === 0 ? (
        <p className="muted">Not deployed.</p>
      ) : (
        <ul>
          {version.deployments.nodes.map((deployment) => (
            <li key={deployment.id}>
              <a href={href("deployments", deployment.id)}>{deployment.name}</a>{" "}
              <span className={`status ${deployment.status}`}>{deployment.status}</span>{" "}
              <span className="muted">{deployment.environment?.name}</span>
            </li>
          ))}
        </ul>
      )}

      <h3>Evaluations</h3>
      {version.evaluations.nodes.length === 0 ? (
        <p className="muted">No evaluation runs.</p>
      ) : (
        <ul>
          {version.evaluations.nodes.map((evaluation) => (
            <li key={evaluation.id}>
              {evaluation.datasetVersion?.dataset?.name} {evaluation.datasetVersion?.version}: {evaluation.status}{" "}
              <span className="muted">{JSON.stringify(evaluation.metrics)}</span>
            </li>
          ))}
        </ul>
      )}

      <h3>Lineage</h3>
      <p>
        Trained on {inputs.length ? inputs.map((n) => n.label ?? n.id).join(", ") : "no recorded dataset"}.{" "}
        <a href={href("lineage", version.id)}>Open the lineage graph</a>
      </p>
    </section>
  );
}
