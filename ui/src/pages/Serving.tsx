import { useEffect, useState } from "react";
import { api } from "../api";
import { useIdentity } from "../identity";
import { CountsPlots } from "../parts/CountsPlots";
import { Problem } from "../parts/Problem";
import { href } from "../route";
import type { Reading } from "../rates";
import type { DeploymentInfo, ServingCounts, ServingInfo } from "../types";

const EVERY_MS = 2000;
const KEEP = 60;

type History = Record<string, Reading[]>;
type Deployed = DeploymentInfo & { workspace: string };

function keyOf(s: ServingInfo): string {
  return `${s.workspace}/${s.model}/${s.version}`;
}

function deploymentKey(d: Deployed): string {
  return `deployment/${d.workspace}/${d.name}`;
}

/** ``before`` with a reading of each counted thing appended (the newest ``KEEP`` kept). */
function appended(before: History, counted: [string, ServingCounts | null][], at: number): History {
  const next: History = {};
  for (const [key, counts] of counted) {
    const kept = before[key] ?? [];
    next[key] = counts ? [...kept, { at, counts }].slice(-KEEP) : kept;
  }
  return next;
}

/** What is being served, read every two seconds: the deployments of your workspaces
 * (`modelport deploy`) and this server's playground servings, each with its request and error
 * rates, latency percentiles, rows per request and per merged batch from its metrics; and where
 * each workspace's pipelines and training jobs are. */
export function Serving() {
  const workspaces = Object.keys(useIdentity().roles).sort();
  const [servings, setServings] = useState<ServingInfo[] | null>(null);
  const [deployments, setDeployments] = useState<Deployed[] | null>(null);
  const [history, setHistory] = useState<History>({});
  const [error, setError] = useState<Error | null>(null);
  const workspaceList = workspaces.join(",");
  useEffect(() => {
    let current = true;
    async function read() {
      try {
        const [{ servings: found }, ...perWorkspace] = await Promise.all([
          api<{ servings: ServingInfo[] }>("/servings"),
          ...workspaceList
            .split(",")
            .filter(Boolean)
            .map((w) =>
              api<{ deployments: DeploymentInfo[] }>(`/workspaces/${encodeURIComponent(w)}/deployments`).then(
                ({ deployments: listed }) => listed.map((d) => ({ ...d, workspace: w })),
              ),
            ),
        ]);
        if (!current) return;
        const deployed = perWorkspace.flat();
        setServings(found);
        setDeployments(deployed);
        setHistory((before) =>
          appended(
            before,
            [
              ...found.map((s): [string, ServingCounts | null] => [keyOf(s), s.metrics]),
              ...deployed.map((d): [string, ServingCounts | null] => [deploymentKey(d), d.metrics]),
            ],
            Date.now(),
          ),
        );
        setError(null);
      } catch (failed) {
        if (current) setError(failed as Error);
      }
    }
    void read();
    const timer = window.setInterval(() => void read(), EVERY_MS);
    return () => {
      current = false;
      window.clearInterval(timer);
    };
  }, [workspaceList]);
  return (
    <>
      <h1>Serving</h1>
      <p className="muted">
        The deployments of your workspaces and the versions this server is serving for the playground, read every{" "}
        {EVERY_MS / 1000} seconds.
      </p>
      <p>
        Pipelines and their inference logs, and DEEPaaS training jobs:{" "}
        {workspaces.map((w, i) => (
          <span key={w}>
            {i > 0 && "; "}
            {w}: <a href={href({ page: "pipelines", workspace: w })}>pipelines<span className="sr-only"> of {w}</span></a>,{" "}
            <a href={href({ page: "trainings", workspace: w })}>trainings<span className="sr-only"> of {w}</span></a>
          </span>
        ))}
        {workspaces.length === 0 && <a href="#/models">see each workspace</a>}
      </p>
      <Problem error={error} />
      <h2>Deployments</h2>
      {deployments?.length === 0 && (
        <p>
          No deployments: <code>modelport deploy NAME --target local</code> (or <code>ray://HOST:PORT</code>) runs one.
        </p>
      )}
      {deployments?.map((d) => (
        <Deployment key={deploymentKey(d)} deployment={d} readings={history[deploymentKey(d)] ?? []} />
      ))}
      <h2>Playground servings</h2>
      {servings?.length === 0 && <p>Nothing is being served now: try a version in its playground.</p>}
      {servings?.map((s) => {
        const readings = history[keyOf(s)] ?? [];
        const latest = readings[readings.length - 1]?.counts;
        return (
          <section key={keyOf(s)} aria-labelledby={`serving-${keyOf(s)}`}>
            <h3 id={`serving-${keyOf(s)}`}>
              <a href={href({ page: "version", workspace: s.workspace, model: s.model, version: s.version })}>
                {s.model}:{s.version}
              </a>{" "}
              <span className="muted">in {s.workspace}</span>
            </h3>
            <p>
              {s.ready ? "ready" : "starting"}, since {new Date(s.started_at).toLocaleTimeString()}
              {latest && (
                <>
                  {"; "}
                  <span data-testid="totals">
                    {latest.requests} requests, {latest.errors} errors
                  </span>
                </>
              )}
            </p>
            <CountsPlots readings={readings} slots={KEEP - 1} />
          </section>
        );
      })}
    </>
  );
}

/** One deployment: where it runs and its state, and its plots while its address answers. */
function Deployment({ deployment: d, readings }: { deployment: Deployed; readings: Reading[] }) {
  const id = `deployment-${d.workspace}-${d.name}`;
  const latest = readings[readings.length - 1]?.counts;
  const where = d.kind === "local" ? "locally" : `on ${d.target}`;
  const replicas = d.replicas === "1" ? "1 replica" : `${d.replicas} replicas`;
  return (
    <section aria-labelledby={id}>
      <h3 id={id}>
        {d.version === null ? (
          d.model
        ) : (
          <a href={href({ page: "version", workspace: d.workspace, model: d.model, version: d.version })}>
            {d.model}:{d.version}
          </a>
        )}{" "}
        <span className="muted">
          deployed {where} in {d.workspace}
        </span>
      </h3>
      <p>
        <span data-testid="state">{d.state}</span>, {replicas}, from {d.reference}
        {d.address && (
          <>
            , at <code className="wrap">{d.address}</code>
          </>
        )}
        {latest && d.metrics && (
          <>
            {"; "}
            <span data-testid="totals">
              {latest.requests} requests, {latest.errors} errors
            </span>
          </>
        )}
      </p>
      {d.metrics && d.kind === "ray" && d.replicas !== "1" && (
        <p className="muted" data-testid="one-replica">
          Each reading is one replica's counts (Ray Serve's proxy picks which), so with several replicas the rates
          and totals move between theirs.
        </p>
      )}
      {d.metrics ? (
        <CountsPlots readings={readings} slots={KEEP - 1} />
      ) : (
        <p className="muted" data-testid="state-only">
          {d.kind === "ray"
            ? d.address
              ? `State only, as last recorded: ${d.address}/metrics does not answer now, through Ray Serve's proxy.`
              : `State only, as last recorded: where Ray Serve's proxy listens was not recorded with this deployment (deploy it again to record it), so its metrics (at the proxy's ${d.route_prefix ?? "route prefix"}/metrics) are not read.`
            : `State only, as last recorded: ${d.address ?? "its address"} does not answer /metrics now.`}
        </p>
      )}
    </section>
  );
}
