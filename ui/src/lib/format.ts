import type { DatabaseBackend, DatabaseStatus, ErrorKind } from "./api";

const BACKEND_LABELS = {
  sqlite: "SQLite",
  postgres: "PostgreSQL",
} satisfies Record<DatabaseBackend, string>;

export function backendLabel(backend: DatabaseBackend): string {
  return BACKEND_LABELS[backend] ?? backend;
}

const ERROR_KIND_LABELS = {
  database: "Database error",
  invalid_input: "Invalid input",
  not_found: "Not found",
  conflict: "Conflict",
  browser: "Browser error",
  internal: "Internal error",
} satisfies Record<ErrorKind, string>;

export function errorKindLabel(kind: ErrorKind): string {
  return ERROR_KIND_LABELS[kind] ?? kind;
}

export function databaseSummary(status: DatabaseStatus): string {
  return status.status === "connected" ? backendLabel(status.info.backend) : "Database failed";
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
