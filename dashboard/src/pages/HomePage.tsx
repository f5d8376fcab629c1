// The organization tree: projects → models → versions (stage) → deployments (status),
// and each project's experiments.
import { useQuery } from "urql";
import { graphql } from "../gql";
import { href } from "../router";

const TreeQuery = graphql(`
  query OrganizationTree {
    viewer {
      user { email }
      memberships(first: 10) {
        nodes {
          role
          organization {
            id
            slug
            name
            projects(first: 50) {
              nodes {
                id
                slug
                name
                experiments(first: 20) { nodes { id name status } }
                models(first: 20) {
                  nodes { id name versions(first: 10) { nodes { id version stage } } }
                }
                deployments(first: 20) {
                  nodes { id name status environment { name } modelVersion { id } }
                }
              }
            }
          }
        }
      }
    }
  }
`);

export function HomePage() {
  const [{ data, error, fetching }] = useQuery({ query: TreeQuery });
  if (error) return <p className="error">{error.message}</p>;
  if (!data?.viewer) return <p>{fetching ? "Loading…" : "Nothing to show."}</p>;
  return (
    <section>
      <h2>Organizations of {data.viewer.user?.email}</h2>
      {data.viewer.memberships.nodes.map(({ organization: org, role }) =>
        org ? (
          <details key={org.id} open className="tree">
            <summary>
              <strong>{org.name}</strong> <code>{org.slug}</code> <span className="muted">{role}</span>
            </summary>
            {org.projects.nodes.map((project) => (
              <details key={project.id} open className="tree">
                <summary>
                  Project <strong>{project.name}</strong>
                </summary>
                <p>
                  <a href={href("projects", project.id)}>{project.name}</a>: training jobs, pipelines and datasets
                </p>
                <ul>
                  {project.experiments.nodes.map((experiment) => (
                    <li key={experiment.id}>
                      Experiment <a href={href("experiments", experiment.id)}>{experiment.name}</a>{" "}
                      <span className="muted">{experiment.status}</span>
                    </li>
                  ))}
                </ul>
                {project.models.nodes.map((model) => (
                  <details key={model.id} open className="tree">
                    <summary>Model {model.name}</summary>
                    <p>
                      <a href={href("models", model.id)}>{model.name}</a>: versions, stages and aliases
                    </p>
                    <ul>
                      {model.versions.nodes.map((version) => (
                        <li key={version.id}>
                          <a href={href("versions", version.id)}>{version.version}</a>{" "}
                          <span className={`stage ${version.stage}`}>{version.stage}</span>{" "}
                          <a href={href("lineage", version.id)}>lineage</a>
                          <ul>
                            {project.deployments.nodes
                              .filter((deployment) => deployment.modelVersion?.id === version.id)
                              .map((deployment) => (
                              <li key={deployment.id}>
                                <a href={href("deployments", deployment.id)}>{deployment.name}</a>{" "}
                                <span className={`status ${deployment.status}`}>{deployment.status}</span>{" "}
                                <span className="muted">{deployment.environment?.name}</span>
                              </li>
                            ))}
                          </ul>
                        </li>
                      ))}
                    </ul>
                  </details>
                ))}
              </details>
            ))}
          </details>
        ) : null,
      )}
    </section>
  );
}
