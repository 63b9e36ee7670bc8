import { useState, type FormEvent } from "react";
import { API, ApiError, api, modelPath } from "../api";
import { base64Of, curlLine, kindOf, pasted, pythonCall, valueOf } from "../playground";
import type { FieldSpec, Version } from "../types";
import { Problem } from "./Problem";

interface Answer {
  answer: unknown;
  latency_ms: number;
  round_trip_ms: number;
  body: { text: string; contentType: string };
}

function Results({ answer }: { answer: unknown }) {
  const rows = Array.isArray(answer) && answer.every((r) => r !== null && typeof r === "object") ? (answer as Record<string, unknown>[]) : null;
  if (rows === null || rows.length === 0) return <pre>{JSON.stringify(answer, null, 2)}</pre>;
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return (
    <div className="scroll" tabIndex={0}>
      <table aria-label="Results">
        <thead>
          <tr>
            <th scope="col">row</th>
            {columns.map((c) => (
              <th scope="col" key={c}>
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={i}>
              <th scope="row">{i + 1}</th>
              {columns.map((c) => (
                <td key={c}>{JSON.stringify(row[c])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function FieldInput({ field, value, onChange }: { field: FieldSpec; value: string; onChange: (v: string) => void }) {
  const id = `field-${field.name}`;
  const kind = kindOf(field);
  const label = (
    <label htmlFor={id}>
      {field.name} <span className="muted">({field.type})</span>
    </label>
  );
  if (kind === "boolean") {
    return (
      <div className="field check">
        <input id={id} type="checkbox" checked={value === "true"} onChange={(e) => onChange(String(e.target.checked))} />
        {label}
      </div>
    );
  }
  if (kind === "file") {
    return (
      <div className="field">
        {label}
        <input
          id={id}
          type="file"
          accept="image/*,audio/*"
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) void base64Of(file).then(onChange);
          }}
        />
      </div>
    );
  }
  return (
    <div className="field">
      {label}
      <input
        id={id}
        type={kind === "number" || kind === "integer" ? "number" : "text"}
        step={kind === "integer" ? 1 : "any"}
        inputMode={kind === "number" ? "decimal" : undefined}
        placeholder={kind === "list" ? "[1, 2, 3]" : undefined}
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
      {field.description && <small className="muted">{field.description}</small>}
    </div>
  );
}

/** Try a version on a row: a form generated from its input schema, or pasted JSON or CSV rows;
 * the server runs it (a short-lived serving of this version) and answers with its latency. */
export function Playground({ version }: { version: Version }) {
  const inputs = version.signature.free_form ? [] : (version.signature.inputs ?? []);
  const [values, setValues] = useState<Record<string, string>>({});
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [result, setResult] = useState<Answer | null>(null);
  const path = `${modelPath(version.workspace, version.model, version.number)}/predict`;

  async function send(body: { text: string; contentType: string }) {
    setBusy(true);
    setError(null);
    const started = performance.now();
    try {
      const found = await api<{ answer: unknown; latency_ms: number }>(path, { method: "POST", raw: body });
      setResult({ ...found, round_trip_ms: performance.now() - started, body });
    } catch (failed) {
      setResult(null);
      setError(failed as Error);
    } finally {
      setBusy(false);
    }
  }
  function fromForm(event: FormEvent) {
    event.preventDefault();
    try {
      const row = Object.fromEntries(inputs.map((f) => [f.name, valueOf(f, values[f.name] ?? "")]));
      void send({ text: JSON.stringify([row]), contentType: "application/json" });
    } catch (failed) {
      setError(failed as Error);
    }
  }
  function fromPaste(event: FormEvent) {
    event.preventDefault();
    try {
      void send(pasted(text));
    } catch (failed) {
      setError(new ApiError(400, `the pasted rows are not valid JSON: ${(failed as Error).message}`, null));
    }
  }
  const url = `${window.location.origin}${API}${path}`;
  return (
    <section aria-labelledby="playground-heading">
      <h2 id="playground-heading">Playground</h2>
      <p className="muted">
        Runs version {version.number} on this server (started on first use, stopped when idle).
      </p>
      {inputs.length > 0 && (
        <form onSubmit={fromForm} aria-label="One row">
          <div className="fields">
            {inputs.map((f) => (
              <FieldInput key={f.name} field={f} value={values[f.name] ?? ""} onChange={(v) => setValues({ ...values, [f.name]: v })} />
            ))}
          </div>
          <button type="submit" disabled={busy}>
            Predict
          </button>
        </form>
      )}
      <form onSubmit={fromPaste} aria-label="Pasted rows">
        <label htmlFor="rows">Rows as JSON or CSV (with a header line)</label>
        <textarea id="rows" rows={4} value={text} onChange={(e) => setText(e.target.value)} />
        <button type="submit" disabled={busy || !text.trim()}>
          Predict pasted rows
        </button>
      </form>
      {busy && <p aria-live="polite">Running the model…</p>}
      <Problem error={error} />
      {result && (
        <div aria-live="polite">
          <h3>Result</h3>
          <p>
            Latency <strong data-testid="latency">{result.latency_ms.toFixed(1)} ms</strong> at the model server,{" "}
            {result.round_trip_ms.toFixed(0)} ms from this page.
          </p>
          <Results answer={result.answer} />
          <h3>The same call</h3>
          <label htmlFor="curl-line">curl</label>
          <textarea id="curl-line" readOnly rows={4} value={curlLine(url, result.body)} />
          <label htmlFor="python-call">Python</label>
          <textarea
            id="python-call"
            readOnly
            rows={9}
            value={pythonCall(window.location.origin, version.model, version.number, result.body)}
          />
        </div>
      )}
    </section>
  );
}
