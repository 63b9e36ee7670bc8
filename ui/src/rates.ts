// Rates and percentiles from successive cumulative readings of a model server's counts.
import type { Bucket, ServingCounts } from "./types";

export interface Reading {
  at: number; // ms since the epoch
  counts: ServingCounts;
}

export interface Point {
  at: number;
  requestsPerSecond: number;
  errorsPerSecond: number;
  p50: number | null; // ms, over the interval; null when no request came
  p90: number | null;
  p99: number | null;
}

function bound(b: number | "inf"): number {
  return b === "inf" ? Infinity : b;
}

/** The upper bound (in the buckets' unit) under which ``q`` of the interval's observations fall. */
export function quantile(before: Bucket[], after: Bucket[], q: number): number | null {
  const earlier = new Map(before.map(([b, c]) => [String(b), c]));
  const deltas = after.map(([b, c]) => [bound(b), c - (earlier.get(String(b)) ?? 0)] as const);
  const total = deltas.length ? deltas[deltas.length - 1][1] : 0;
  if (total <= 0) return null;
  const found = deltas.find(([, cumulative]) => cumulative >= q * total);
  if (!found) return null;
  if (found[0] !== Infinity) return found[0];
  const finite = deltas.filter(([b]) => b !== Infinity);
  return finite.length ? finite[finite.length - 1][0] : null;
}

/** One point per pair of successive readings. */
export function points(readings: Reading[]): Point[] {
  const found: Point[] = [];
  for (let i = 1; i < readings.length; i++) {
    const a = readings[i - 1];
    const b = readings[i];
    const seconds = (b.at - a.at) / 1000;
    if (seconds <= 0) continue;
    const ms = (q: number) => {
      const s = quantile(a.counts.latency_buckets, b.counts.latency_buckets, q);
      return s === null ? null : s * 1000;
    };
    found.push({
      at: b.at,
      requestsPerSecond: Math.max(0, b.counts.requests - a.counts.requests) / seconds,
      errorsPerSecond: Math.max(0, b.counts.errors - a.counts.errors) / seconds,
      p50: ms(0.5),
      p90: ms(0.9),
      p99: ms(0.99),
    });
  }
  return found;
}

/** How many requests had at most each bucket's rows (not cumulative), since the start. */
export function rowsHistogram(buckets: Bucket[]): { label: string; count: number }[] {
  let previous = 0;
  let lower = 0;
  return buckets.map(([b, cumulative]) => {
    const count = cumulative - previous;
    previous = cumulative;
    const label = b === "inf" ? `>${lower}` : lower + 1 >= b ? `${b}` : `${lower + 1}-${b}`;
    if (b !== "inf") lower = b;
    return { label, count };
  });
}
