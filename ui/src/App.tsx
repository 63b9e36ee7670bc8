import { useEffect, useState } from "react";
import { api, saveToken, savedToken } from "./api";
import { IdentityContext } from "./identity";
import { Compare } from "./pages/Compare";
import { Members } from "./pages/Members";
import { ModelPage } from "./pages/ModelPage";
import { Pipelines } from "./pages/Pipelines";
import { Registries } from "./pages/Registries";
import { Models } from "./pages/Models";
import { Serving } from "./pages/Serving";
import { SignIn } from "./pages/SignIn";
import { Tokens } from "./pages/Tokens";
import { Trainings } from "./pages/Trainings";
import { VersionPage } from "./pages/VersionPage";
import { useRoute, type Route } from "./route";
import type { Identity } from "./types";

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case "models":
      return <Models workspace={route.workspace} />;
    case "model":
      return <ModelPage workspace={route.workspace} model={route.model} />;
    case "version":
      return <VersionPage workspace={route.workspace} model={route.model} version={route.version} />;
    case "compare":
      return <Compare workspace={route.workspace} model={route.model} left={route.left} right={route.right} />;
    case "members":
      return <Members workspace={route.workspace} />;
    case "registries":
      return <Registries workspace={route.workspace} />;
    case "pipelines":
      return <Pipelines workspace={route.workspace} />;
    case "trainings":
      return <Trainings workspace={route.workspace} />;
    case "tokens":
      return <Tokens />;
    case "serving":
      return <Serving />;
  }
}

export function App() {
  const route = useRoute();
  const [identity, setIdentity] = useState<Identity | null>(null);
  const [checking, setChecking] = useState(savedToken() !== null);
  useEffect(() => {
    if (savedToken() === null) return;
    api<Identity>("/whoami")
      .then(setIdentity, () => saveToken(null))
      .finally(() => setChecking(false));
  }, []);
  useEffect(() => {
    document.title = `modelport: ${route.page}`;
  }, [route]);
  if (checking) return <p aria-busy="true">Loading…</p>;
  if (identity === null) return <SignIn onSignedIn={setIdentity} />;
  function signOut() {
    saveToken(null);
    setIdentity(null);
  }
  return (
    <IdentityContext.Provider value={identity}>
      <button type="button" className="skip" onClick={() => document.getElementById("main")?.focus()}>
        Skip to content
      </button>
      <header>
        <a className="brand" href="#/models">
          <svg aria-hidden="true" width="20" height="20" viewBox="0 0 20 20">
            <rect x="2" y="2" width="7" height="7" rx="1" fill="currentColor" />
            <rect x="11" y="2" width="7" height="7" rx="1" fill="currentColor" opacity="0.6" />
            <rect x="2" y="11" width="7" height="7" rx="1" fill="currentColor" opacity="0.6" />
            <rect x="11" y="11" width="7" height="7" rx="1" fill="currentColor" />
          </svg>
          modelport
        </a>
        <nav aria-label="Main">
          <a href="#/models">Models</a>
          <a href="#/serving">Serving</a>
          <a href="#/tokens">Tokens</a>
        </nav>
        <span className="who">
          {identity.user}
          {identity.admin && " (admin)"}
        </span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Page route={route} />
      </main>
    </IdentityContext.Provider>
  );
}
