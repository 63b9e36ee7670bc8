import { useEffect, useState } from "react";
import { api } from "../api";
import { useIdentity } from "../identity";
import { BarPlot, LinePlot } from "../parts/Plot";
import { Problem } from "../parts/Problem";
import { href } from "../route";
import { points, rowsHistogram, type Reading } from "../rates";
import type { ServingInfo } from "../types";

const EVERY_MS = 2000;
const KEEP = 60;

type History = Record<string, Reading[]>;

function keyOf(s: ServingInfo): string {
  return `${s.workspace}/${s.model}/${s.version}`;
}

/** What this server is serving (the playground's servings), read every two seconds: request
 * and error rates, latency percentiles, rows per request and per merged batch, from each
 * serving's metrics; and where each workspace's pipelines and training jobs are. */
export function Serving() {
  const workspaces = Object.keys(useIdentity().roles).sort();
  const [servings, setServings] = useState<ServingInfo[] | null>(null);
  const [history, setHistory] = useState<History>({});
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    let current = true;
    async function read() {
      try {
        const { servings: found } = await api<{ servings: ServingInfo[] }>("/servings");
        if (!current) return;
        const at = Date.now();
        setServings(found);
        setHistory((before) => {
          const next: History = {};
          for (const s of found) {
            const kept = before[keyOf(s)] ?? [];
            next[keyOf(s)] = s.metrics ? [...kept, { at, counts: s.metrics }].slice(-KEEP) : kept;
          }
          return next;
        });
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
  }, []);
  return (
    <>
      <h1>Serving</h1>
      <p className="muted">
        The versions this server is serving for the playground, in your workspaces, read every {EVERY_MS / 1000} seconds.
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
      {servings?.length === 0 && <p>Nothing is being served now: try a version in its playground.</p>}
      {servings?.map((s) => {
        const readings = history[keyOf(s)] ?? [];
        const series = points(readings);
        const latest = readings[readings.length - 1]?.counts;
        return (
          <section key={keyOf(s)} aria-labelledby={`serving-${keyOf(s)}`}>
            <h2 id={`serving-${keyOf(s)}`}>
              <a href={href({ page: "version", workspace: s.workspace, model: s.model, version: s.version })}>
                {s.model}:{s.version}
              </a>{" "}
              <span className="muted">in {s.workspace}</span>
            </h2>
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
            <div className="plots">
              <LinePlot
                title="Requests and errors"
                unit="per second"
                slots={KEEP - 1}
                series={[
                  { name: "requests", values: series.map((p) => p.requestsPerSecond), className: "line-a" },
                  { name: "errors", values: series.map((p) => p.errorsPerSecond), className: "line-b" },
                ]}
              />
              <LinePlot
                title="Latency"
                unit="ms"
                slots={KEEP - 1}
                series={[
                  { name: "p50", values: series.map((p) => p.p50), className: "line-a" },
                  { name: "p90", values: series.map((p) => p.p90), className: "line-c" },
                  { name: "p99", values: series.map((p) => p.p99), className: "line-b" },
                ]}
              />
              <BarPlot title="Rows per request" bars={latest ? rowsHistogram(latest.rows_buckets) : []} />
              {latest?.batch_buckets ? (
                <BarPlot title="Rows per merged batch" bars={rowsHistogram(latest.batch_buckets)} />
              ) : (
                <p className="plot muted" data-testid="batching">
                  Batches: requests run one by one (the model server found batching does not pay, or it was turned off).
                </p>
              )}
            </div>
          </section>
        );
      })}
    </>
  );
}
