// A served model's counts as plots: request and error rates, latency percentiles, rows per
// request and per merged batch, from successive readings of its server's /metrics.
import { points, rowsHistogram, type Reading } from "../rates";
import { BarPlot, LinePlot } from "./Plot";

/** The plots of ``readings`` (the newest last), ``slots`` places wide. */
export function CountsPlots({ readings, slots }: { readings: Reading[]; slots: number }) {
  const series = points(readings);
  const latest = readings[readings.length - 1]?.counts;
  return (
    <div className="plots">
      <LinePlot
        title="Requests and errors"
        unit="per second"
        slots={slots}
        series={[
          { name: "requests", values: series.map((p) => p.requestsPerSecond), className: "line-a" },
          { name: "errors", values: series.map((p) => p.errorsPerSecond), className: "line-b" },
        ]}
      />
      <LinePlot
        title="Latency"
        unit="ms"
        slots={slots}
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
  );
}
