/** Entry point: read and validate the stack config, then declare the registry. */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, namespaceValues, parseConfig } from "./config";
import { registry } from "./program";

function loadConfig() {
  try {
    return parseConfig(namespaceValues(pulumi.runtime.allConfig()), { stack: pulumi.getStack() });
  } catch (e) {
    // RunError ends the program with the message alone: the problems, not a stack trace.
    if (e instanceof ConfigError) throw new pulumi.RunError(e.message);
    throw e;
  }
}

export = registry({ config: loadConfig(), stack: pulumi.getStack() }).outputs;
