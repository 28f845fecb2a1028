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

/** A stack file that cannot be read as one: the message names the file and what to fix. */
export class StackFileError extends Error {
  override name = "StackFileError";
}

/** `Pulumi.prod.yaml` -> `prod`; undefined for any other name. */
export function stackNameOf(fileName: string): string | undefined {
  return /^Pulumi\.([\w.-]+)\.yaml$/.exec(fileName)?.[1];
}

export function stackFilePath(stack: string, dir = resolve(__dirname, "../..")): string {
  return resolve(dir, `Pulumi.${stack}.yaml`);
}

export function readStackFile(path: string): StackFile {
  const stack = stackNameOf(basename(path));
  if (!stack) throw new StackFileError(`${path}: a stack file is named Pulumi.<stack>.yaml`);
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new StackFileError(`${path}: ${(e as Error).message}`);
  }
  const config = (doc as { config?: unknown } | null)?.config ?? {};
  if (typeof config !== "object" || Array.isArray(config)) throw new StackFileError(`${path}: "config" must be a map`);
  const flat: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    if (!key.includes(":")) {
      throw new StackFileError(`${path}: config key "${key}" needs a namespace (e.g. registry:${key})`);
    }
    // Secrets cannot be decrypted offline; the plan never needs their values.
    const secret = value !== null && typeof value === "object" && "secure" in value;
    flat[key] = secret ? "[secret]" : typeof value === "string" ? value : JSON.stringify(value);
  }
  return { stack, path, config: flat };
}
