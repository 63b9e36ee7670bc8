import { useState, type FormEvent } from "react";
import { api } from "../api";
import { Problem } from "./Problem";

interface Props {
  /** The API path of the tagged model or version; tags live under its /tags/{key}. */
  path: string;
  tags: Record<string, string>;
  editable: boolean;
  label: string;
  onChanged: () => void;
}

/** A model's or version's tags; editors add, change and remove them. */
export function Tags({ path, tags, editable, label, onChanged }: Props) {
  const [key, setKey] = useState("");
  const [value, setValue] = useState("");
  const [error, setError] = useState<Error | null>(null);
  async function run(call: Promise<unknown>) {
    setError(null);
    try {
      await call;
      onChanged();
    } catch (failed) {
      setError(failed as Error);
    }
  }
  function add(event: FormEvent) {
    event.preventDefault();
    void run(api(`${path}/tags/${encodeURIComponent(key.trim())}`, { method: "PUT", body: { value } })).then(() => {
      setKey("");
      setValue("");
    });
  }
  const entries = Object.entries(tags);
  return (
    <div>
      {entries.length === 0 && <p className="muted">no tags</p>}
      <ul className="chips">
        {entries.map(([k, v]) => (
          <li className="chip" key={k}>
            {k}={v}
            {editable && (
              <button
                type="button"
                className="link"
                aria-label={`Remove tag ${k}`}
                onClick={() => void run(api(`${path}/tags/${encodeURIComponent(k)}`, { method: "DELETE" }))}
              >
                ×
              </button>
            )}
          </li>
        ))}
      </ul>
      {editable && (
        <form className="inline" onSubmit={add} aria-label={`Tag ${label}`}>
          <label htmlFor={`${label}-tag-key`}>Tag key</label>
          <input id={`${label}-tag-key`} required value={key} onChange={(e) => setKey(e.target.value)} />
          <label htmlFor={`${label}-tag-value`}>Value</label>
          <input id={`${label}-tag-value`} value={value} onChange={(e) => setValue(e.target.value)} />
          <button type="submit">Set tag</button>
        </form>
      )}
      <Problem error={error} />
    </div>
  );
}
