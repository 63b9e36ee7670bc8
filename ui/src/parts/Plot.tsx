// Small charts drawn as inline SVG (no library, nothing fetched), each with a text summary
// for screen readers.

interface Series {
  name: string;
  values: (number | null)[];
  className: string;
}

const WIDTH = 320;
const HEIGHT = 90;

/** Lines over time (one per series), the newest value at the right edge of ``slots`` places,
 * scaled to the largest value. */
export function LinePlot({ title, unit, series, slots }: { title: string; unit: string; series: Series[]; slots: number }) {
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const top = Math.max(...all, 0) || 1;
  const count = Math.max(...series.map((s) => s.values.length), 1);
  const x = (i: number) => WIDTH - ((count - 1 - i) / Math.max(slots - 1, 1)) * WIDTH;
  const y = (v: number) => HEIGHT - (v / top) * (HEIGHT - 6) - 3;
  const last = series.map((s) => {
    const v = [...s.values].reverse().find((n) => n !== null);
    return `${s.name} ${v === undefined || v === null ? "none" : v.toFixed(2)} ${unit}`;
  });
  return (
    <figure className="plot">
      <figcaption>
        {title} <span className="muted">(now: {last.join(", ")}; top of scale {top.toFixed(2)})</span>
      </figcaption>
      <svg role="img" aria-label={`${title}: ${last.join(", ")}`} viewBox={`0 0 ${WIDTH} ${HEIGHT}`} preserveAspectRatio="none">
        <rect x="0" y="0" width={WIDTH} height={HEIGHT} className="plot-frame" />
        {series.map((s) => (
          <g key={s.name} className={s.className}>
            <polyline fill="none" points={s.values.map((v, i) => (v === null ? null : `${x(i)},${y(v)}`)).filter(Boolean).join(" ")} />
            {s.values.map((v, i) => (v === null ? null : <circle key={i} cx={x(i)} cy={y(v)} r="2.5" />))}
          </g>
        ))}
      </svg>
      <ul className="legend">
        {series.map((s) => (
          <li key={s.name}>
            <span className={`swatch ${s.className}`} aria-hidden="true" /> {s.name}
          </li>
        ))}
      </ul>
    </figure>
  );
}

/** Bars, one per labelled count. */
export function BarPlot({ title, bars: all }: { title: string; bars: { label: string; count: number }[] }) {
  const last = all.map((b) => b.count > 0).lastIndexOf(true);
  const bars = all.slice(0, Math.max(last + 2, 4)); // up to one empty bar past the last count
  const top = Math.max(...bars.map((b) => b.count), 1);
  const width = WIDTH / Math.max(bars.length, 1);
  const summary = bars.filter((b) => b.count > 0).map((b) => `${b.label}: ${b.count}`).join(", ") || "none yet";
  return (
    <figure className="plot">
      <figcaption>
        {title} <span className="muted">({summary})</span>
      </figcaption>
      <svg role="img" aria-label={`${title}: ${summary}`} viewBox={`0 0 ${WIDTH} ${HEIGHT + 14}`}>
        {bars.map((b, i) => {
          const h = (b.count / top) * (HEIGHT - 4);
          return (
            <g key={b.label}>
              <rect className="bar" x={i * width + 2} y={HEIGHT - h} width={width - 4} height={h} />
              <text x={i * width + width / 2} y={HEIGHT + 11} textAnchor="middle" className="bar-label">
                {b.label}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
