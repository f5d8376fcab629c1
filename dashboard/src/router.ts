// Routes live in the hash (#/runs/<id>): the server serves one index.html at /app.
import { useEffect, useState } from "react";

export type Route =
  | { page: "home" }
  | { page: "experiment"; id: string }
  | { page: "run"; id: string }
  | { page: "deployment"; id: string }
  | { page: "lineage"; id: string }
  | { page: "sweep"; id: string }
  | { page: "model"; id: string }
  | { page: "version"; id: string }
  | { page: "endpoint"; id: string }
  | { page: "project"; id: string }
  | { page: "job"; id: string }
  | { page: "pipeline"; id: string };

export function parse(hash: string): Route {
  const [, page, id] = hash.replace(/^#/, "").split("/");
  const decoded = id ? decodeURIComponent(id) : "";
  switch (page) {
    case "experiments":
      return { page: "experiment", id: decoded };
    case "runs":
      return { page: "run", id: decoded };
    case "deployments":
      return { page: "deployment", id: decoded };
    case "lineage":
      return { page: "lineage", id: decoded };
    case "sweeps":
      return { page: "sweep", id: decoded };
    case "models":
      return { page: "model", id: decoded };
    case "versions":
      return { page: "version", id: decoded };
    case "endpoints":
      return { page: "endpoint", id: decoded };
    case "projects":
      return { page: "project", id: decoded };
    case "jobs":
      return { page: "job", id: decoded };
    case "pipelines":
      return { page: "pipeline", id: decoded };
    default:
      return { page: "home" };
  }
}

export function href(page: string, id: string): string {
  return `#/${page}/${encodeURIComponent(id)}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parse(window.location.hash));
  useEffect(() => {
    const changed = () => setRoute(parse(window.location.hash));
    window.addEventListener("hashchange", changed);
    return () => window.removeEventListener("hashchange", changed);
  }, []);
  return route;
}
