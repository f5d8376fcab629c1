import { useMemo, useState } from "react";
import { Provider } from "urql";
import { connect, storedKey, storeKey } from "./api";
import { DeploymentPage } from "./pages/DeploymentPage";
import { EndpointPage } from "./pages/EndpointPage";
import { ExperimentPage } from "./pages/ExperimentPage";
import { HomePage } from "./pages/HomePage";
import { LineagePage } from "./pages/LineagePage";
import { ModelPage } from "./pages/ModelPage";
import { PipelinePage } from "./pages/PipelinePage";
import { ProjectPage } from "./pages/ProjectPage";
import { RunPage } from "./pages/RunPage";
import { SweepPage } from "./pages/SweepPage";
import { TrainingJobPage } from "./pages/TrainingJobPage";
import { VersionPage } from "./pages/VersionPage";
import { useRoute } from "./router";

export function App() {
  const [key, setKey] = useState(storedKey);
  const api = useMemo(() => (key ? connect(key) : null), [key]);
  const route = useRoute();
  if (!api) return <KeyForm onKey={(k) => (storeKey(k), setKey(k))} />;
  return (
    <Provider value={api.urql}>
      <header>
        <a href="#/" className="brand">
          mlgraph
        </a>
        <nav>
          <a href="#/">Organizations</a>
          <a href="/graphql">GraphiQL</a>
          <button onClick={() => (storeKey(null), api.ws.dispose(), setKey(null))}>Forget key</button>
        </nav>
      </header>
      <main>
        {route.page === "home" && <HomePage />}
        {route.page === "experiment" && <ExperimentPage key={route.id} id={route.id} api={api} />}
        {route.page === "run" && <RunPage key={route.id} id={route.id} api={api} />}
        {route.page === "deployment" && <DeploymentPage key={route.id} id={route.id} api={api} />}
        {route.page === "lineage" && <LineagePage id={route.id} />}
        {route.page === "sweep" && <SweepPage key={route.id} id={route.id} />}
        {route.page === "model" && <ModelPage key={route.id} id={route.id} />}
        {route.page === "version" && <VersionPage key={route.id} id={route.id} />}
        {route.page === "endpoint" && <EndpointPage key={route.id} id={route.id} />}
        {route.page === "project" && <ProjectPage key={route.id} id={route.id} />}
        {route.page === "job" && <TrainingJobPage key={route.id} id={route.id} />}
        {route.page === "pipeline" && <PipelinePage key={route.id} id={route.id} />}
      </main>
    </Provider>
  );
}

function KeyForm({ onKey }: { onKey: (key: string) => void }) {
  const [value, setValue] = useState("");
  return (
    <form
      className="key-form"
      onSubmit={(event) => {
        event.preventDefault();
        if (value.trim()) onKey(value.trim());
      }}
    >
      <h1>mlgraph</h1>
      <p>
        Paste an API key (<code>make run</code> prints a development one). It is kept in this tab's session storage
        only.
      </p>
      <input
        name="apiKey"
        type="password"
        autoComplete="off"
        placeholder="mlg_…"
        value={value}
        onChange={(e) => setValue(e.target.value)}
      />
      <button type="submit">Open</button>
    </form>
  );
}
