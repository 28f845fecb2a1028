/**
 * The typed stack config: one zod schema, the single source of truth; the TypeScript
 * types are inferred from it. By job: sections.ts (each section's fields) and sync.ts (the
 * blob sync's), schema.ts (the
 * whole), rules.ts (cross-field rules), report.ts (zod issues as messages), parse.ts
 * (`parseConfig`), stack-values.ts (Pulumi's config map to values).
 */
export { ConfigError, deletionProtection, type ParseOptions, parseConfig } from "./parse";
export { keyPath } from "./report";
export { NAMESPACE, RegistryConfig } from "./schema";
export * from "./sections";
export { namespaceValues } from "./stack-values";
export { durationSeconds, SyncConfig } from "./sync";
