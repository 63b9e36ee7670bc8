// The shapes of the registry API's answers (see /api/v1/openapi.json).

export type Role = "viewer" | "editor" | "owner";

export interface Identity {
  user: string;
  admin: boolean;
  roles: Record<string, Role>;
}

export interface Workspace {
  name: string;
  created_at: string;
}

export interface Model {
  workspace: string;
  name: string;
  description: string | null;
  tags: Record<string, string>;
  created_at: string;
  updated_at: string;
  version_count: number;
  latest_version: number | null;
}

export interface FieldSpec {
  name: string;
  type: string;
  shape?: number[];
  nullable?: boolean;
  description?: string;
}

export interface SignatureSpec {
  inputs?: FieldSpec[];
  outputs?: FieldSpec[];
  free_form?: boolean;
}

export interface Version {
  workspace: string;
  model: string;
  number: number;
  digest: string;
  size: number;
  source_format: string;
  created_at: string;
  signature: SignatureSpec;
  metadata: Record<string, unknown>;
  lineage: Record<string, unknown>;
  build: Record<string, unknown>;
  tags: Record<string, string>;
  aliases: string[];
}

export interface Manifest {
  python_version: string;
  lock: string[] | string;
  entry_point: string;
  source_format: string;
  [key: string]: unknown;
}

export interface Alias {
  name: string;
  version: number;
}

export interface AliasChange {
  alias: string;
  from_version: number | null;
  to_version: number | null;
  actor: string;
  changed_at: string;
}

export interface ApiToken {
  id: string;
  user: string;
  label: string | null;
  created_at: string;
}

export interface Member {
  workspace: string;
  user: string;
  role: Role;
}

export interface Prediction {
  status: number;
  answer: unknown;
  latency_ms: number;
  predict_path: string;
}

export interface RegistryConnection {
  id: string;
  name: string;
  url: string;
  token: string;
  created_at: string;
}

export interface ExternalVersion {
  name: string;
  version: string;
  source: string | null;
  run_id: string | null;
  current_stage: string | null;
}

export interface ExternalModel {
  name: string;
  latest_versions: ExternalVersion[] | null;
}

export interface Pipeline {
  workspace: string;
  name: string;
  description: string | null;
  log_inferences: boolean;
  latest: number;
}

export interface PipelineVersion {
  number: number;
  steps: { model: string; version: number }[];
  validations: { label: string; expression: string }[];
  created_at: string | null;
}

export interface PipelineLog {
  workspace: string;
  pipeline: string;
  log_inferences: boolean;
  columns: string[];
  rows: Record<string, unknown>[]; // flat pandas records, time in epoch ms, oldest first
}

export interface TestReport {
  folder: string;
  passed: number;
  failed: number;
  skipped: number;
}

export interface Training {
  uuid: string;
  model: string;
  status: "running" | "done" | "error" | "cancelled";
  started: string;
  finished: string | null;
  args: Record<string, unknown>;
  output: unknown;
  message: string | null;
  registered_version: string | null;
}

export type Bucket = [number | "inf", number];

export interface ServingCounts {
  requests: number;
  errors: number;
  in_flight: number;
  latency_buckets: Bucket[];
  rows_buckets: Bucket[];
  batch_buckets: Bucket[] | null; // null: the model's requests are not batched
}

export interface ServingInfo {
  workspace: string;
  model: string;
  version: number;
  ready: boolean;
  started_at: string;
  metrics: ServingCounts | null;
}

export interface DeploymentInfo {
  name: string;
  target: string; // "local" or ray://HOST:PORT
  kind: "local" | "ray";
  model: string;
  version: number | null;
  reference: string;
  replicas: string; // N, or MIN:MAX when autoscaled
  state: string; // as last recorded
  address: string | null; // null: a Ray Serve deployment recorded without its proxy's URL
  route_prefix: string | null;
  created: string;
  metrics: ServingCounts | null; // null: its address did not answer /metrics
}
