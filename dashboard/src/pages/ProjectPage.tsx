// A project's training side: its training jobs (the queue: status, GPUs, environment), its
// pipelines, and its datasets with their versions and checksums.
import { useQuery } from "urql";
import { graphql } from "../gql";
import { href } from "../router";

const ProjectQuery = graphql(`
  query ProjectPage($id: ID!) {
    node(id: $id) {
      ... on Project {
        __typename
        id
        name
        visibility
        trainingJobs(first: 50) {
          totalCount
          nodes { id name status gpus gpuType createdAt environment { name } run { id name } }
        }
        pipelines(first: 50) { nodes { id name status workflowType order } }
        datasets(first: 50) {
          nodes {
            id
            name
            type
            versions(first: 10) { nodes { id version status checksumAlgorithm checksum } }
          }
        }
      }
    }
  }
`);

export function ProjectPage({ id }: { id: string }) {
  const [{ data, error, fetching }] = useQuery({ query: ProjectQuery, variables: { id } });
  if (error) return <p className="error">{error.message}</p>;
  const project = data?.node?.__typename === "Project" ? data.node : null;
  if (!project) return <p>{fetching ? "Loading…" : "No project with this id (or it is not yours to see)."}</p>;
  return (
    <section className="project">
      <h2>
        Project {project.name} <span className="muted">{project.visibility}</span>
      </h2>

      <h3>Training jobs ({project.trainingJobs.totalCount})</h3>
      {project.trainingJobs.nodes.length === 0 ? (
        <p className="muted">No training jobs yet: submit one with trainingJobCreate or the Python client.</p>
      ) : (
        <table className="training-jobs">
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Status</th>
              <th scope="col">GPUs</th>
              <th scope="col">Environment</th>
              <th scope="col">Run</th>
            </tr>
          </thead>
          <tbody>
            {project.trainingJobs.nodes.map((job) => (
              <tr key={job.id} data-job={job.name} data-status={job.status}>
                <td>
                  <a href={href("jobs", job.id)}>{job.name}</a>
                </td>
                <td>{job.status}</td>
                <td>{job.gpus ? `${job.gpus} × ${job.gpuType ?? "any"}` : "none"}</td>
                <td>{job.environment?.name}</td>
                <td>{job.run ? <a href={href("runs", job.run.id)}>{job.run.name}</a> : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h3>Pipelines</h3>
      {project.pipelines.nodes.length === 0 ? (
        <p className="muted">No pipelines yet: define one with pipelineCreate.</p>
      ) : (
        <ul className="pipelines">
          {project.pipelines.nodes.map((pipeline) => (
            <li key={pipeline.id}>
              <a href={href("pipelines", pipeline.id)}>{pipeline.name}</a>{" "}
              <span className="muted">{pipeline.status}</span> {pipeline.workflowType}:{" "}
              {pipeline.order.join(" → ")}
            </li>
          ))}
        </ul>
      )}

      <h3>Datasets</h3>
      {project.datasets.nodes.length === 0 ? (
        <p className="muted">No datasets yet: register one with datasetCreate.</p>
      ) : (
        project.datasets.nodes.map((dataset) => (
          <div key={dataset.id} className="dataset" data-dataset={dataset.name}>
            <h4>
              {dataset.name} <span className="muted">{dataset.type}</span>
            </h4>
            <ul>
              {dataset.versions.nodes.map((version) => (
                <li key={version.id} data-version={version.version} data-status={version.status}>
                  {version.version} {version.status}
                  {version.checksum ? (
                    <>
                      {" "}
                      · {version.checksumAlgorithm} <code className="checksum">{version.checksum.slice(0, 16)}…</code>
                    </>
                  ) : (
                    <span className="muted"> · no checksum</span>
                  )}
                </li>
              ))}
            </ul>
          </div>
        ))
      )}
    </section>
  );
}
