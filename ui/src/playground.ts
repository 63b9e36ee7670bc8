// The playground's pure parts: a form value per input field, rows from pasted text, and the
// equivalent calls a user can copy.
import type { FieldSpec } from "./types";

export type Kind = "number" | "integer" | "boolean" | "text" | "file" | "list";

/** How a field is entered: its Arrow type name decides. */
export function kindOf(field: FieldSpec): Kind {
  const type = field.type;
  if (field.shape?.length || /list</.test(type)) return "list";
  if (/^u?int\d+$/.test(type)) return "integer";
  if (/^float\d+$/.test(type)) return "number";
  if (type === "bool") return "boolean";
  if (/binary$/.test(type)) return "file";
  return "text";
}

/** A form's text for ``field`` as the JSON value the API takes (files are base64 already). */
export function valueOf(field: FieldSpec, text: string): unknown {
  const kind = kindOf(field);
  if (text === "" && field.nullable) return null;
  switch (kind) {
    case "number":
    case "integer": {
      const number = Number(text);
      if (text.trim() === "" || Number.isNaN(number)) throw new Error(`${field.name}: enter a number`);
      return number;
    }
    case "boolean":
      return text === "true";
    case "list":
      try {
        return JSON.parse(text);
      } catch {
        throw new Error(`${field.name}: enter a JSON list, e.g. [1, 2, 3]`);
      }
    default:
      return text;
  }
}

/** Pasted rows: JSON (a list of objects, or one object) is sent as JSON; anything else as CSV. */
export function pasted(text: string): { text: string; contentType: string } {
  const trimmed = text.trim();
  if (trimmed.startsWith("[") || trimmed.startsWith("{")) {
    JSON.parse(trimmed); // a clear error here, before the request
    return { text: trimmed, contentType: "application/json" };
  }
  return { text: trimmed + "\n", contentType: "text/csv" };
}

/** A file's bytes as base64, the JSON form of a binary field. */
export async function base64Of(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

export function curlLine(url: string, body: { text: string; contentType: string }): string {
  return [
    `curl -X POST ${url}`,
    `  -H "Authorization: Bearer $MODELPORT_TOKEN"`,
    `  -H ${shellQuote(`Content-Type: ${body.contentType}`)}`,
    `  --data-binary ${shellQuote(body.text)}`,
  ].join(" \\\n");
}

export function pythonCall(server: string, model: string, version: number, body: { text: string; contentType: string }): string {
  const rows =
    body.contentType === "application/json"
      ? [`rows = json.loads(${JSON.stringify(body.text)})`]
      : [`rows = pandas.read_csv(io.StringIO(${JSON.stringify(body.text)}))`];
  return [
    `# modelport serve ${model}:${version} --registry ${server}   (then, from Python:)`,
    "import io, json",
    "import pandas",
    "import modelport",
    "",
    ...rows,
    `with modelport.Client("http://127.0.0.1:8080", model=${JSON.stringify(model)}) as client:`,
    "    print(client.predict(rows))",
  ].join("\n");
}
