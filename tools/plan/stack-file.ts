/** Reads a `Pulumi.<stack>.yaml` into the flat config map the Pulumi engine hands a program. */
import { readFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { parse } from "yaml";

export interface StackFile {
  stack: string;
  path: string;
  /** `namespace:key` -> value; objects and arrays as JSON strings, as the engine passes them. */
  config: Record<string, string>;
}

export function stackFilePath(stack: string, dir = resolve(__dirname, "../..")): string {
  return resolve(dir, `Pulumi.${stack}.yaml`);
}

export function readStackFile(path: string): StackFile {
  const match = /^Pulumi\.([\w.-]+)\.yaml$/.exec(basename(path));
  if (!match?.[1]) throw new Error(`${path}: a stack file is named Pulumi.<stack>.yaml`);
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
  const config = (doc as { config?: unknown } | null)?.config ?? {};
  if (typeof config !== "object" || Array.isArray(config)) throw new Error(`${path}: "config" must be a map`);
  const flat: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    if (!key.includes(":")) throw new Error(`${path}: config key "${key}" needs a namespace (e.g. registry:${key})`);
    // Secrets cannot be decrypted offline; the plan never needs their values.
    const secret = value !== null && typeof value === "object" && "secure" in value;
    flat[key] = secret ? "[secret]" : typeof value === "string" ? value : JSON.stringify(value);
  }
  return { stack: match[1], path, config: flat };
}
