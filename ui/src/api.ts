// The one way the UI talks to the server: its REST API, with the user's token.

const TOKEN_KEY = "modelport.token";
export const API = "/api/v1";

export function savedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function saveToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

/** An answer the API gave as problem JSON (RFC 9457): its status, detail and field. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly field: string | null,
  ) {
    super(detail);
  }
}

export interface Call {
  method?: string;
  body?: unknown;
  raw?: { text: string; contentType: string };
}

async function send(url: string, call: Call): Promise<Response> {
  const headers: Record<string, string> = {};
  const token = savedToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (call.raw) {
    headers["Content-Type"] = call.raw.contentType;
    body = call.raw.text;
  } else if (call.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(call.body);
  }
  return fetch(url, { method: call.method ?? "GET", headers, body });
}

async function problem(response: Response): Promise<ApiError> {
  let detail = `${response.status} ${response.statusText}`;
  let field: string | null = null;
  try {
    const found = (await response.json()) as { detail?: string; field?: string };
    if (found.detail) detail = found.detail;
    if (found.field) field = found.field;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(response.status, detail, field);
}

/** The JSON answer of ``path`` (null for 204), or an ApiError. */
export async function api<T>(path: string, call: Call = {}): Promise<T> {
  return answerOf<T>(await send(API + path, call));
}

/** The answer of an operation of the server's Wallaroo model-registry API (external
 * registries such as MLflow): a POST with a JSON body under /v1/api/models/. */
export async function registryCall<T>(operation: string, body: unknown): Promise<T> {
  return answerOf<T>(await send(`/v1/api/models/${operation}`, { method: "POST", body }));
}

async function answerOf<T>(response: Response): Promise<T> {
  if (!response.ok) throw await problem(response);
  if (response.status === 204) return null as T;
  return (await response.json()) as T;
}

/** The path of a model (and version) under the API, each part escaped. */
export function modelPath(workspace: string, model: string, version?: number): string {
  const base = `/workspaces/${encodeURIComponent(workspace)}/models/${encodeURIComponent(model)}`;
  return version === undefined ? base : `${base}/versions/${version}`;
}
