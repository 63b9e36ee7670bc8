/** A small object shown as a definition list (lineage, a build record), nested as JSON. */
export function Details({ value, empty = "none recorded" }: { value: Record<string, unknown>; empty?: string }) {
  const entries = Object.entries(value).filter(([, v]) => v !== null && v !== undefined);
  if (entries.length === 0) return <p className="muted">{empty}</p>;
  return (
    <dl className="details">
      {entries.map(([key, v]) => (
        <div key={key}>
          <dt>{key}</dt>
          <dd>{typeof v === "object" ? <code>{JSON.stringify(v)}</code> : String(v)}</dd>
        </div>
      ))}
    </dl>
  );
}
