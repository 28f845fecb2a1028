/**
 * Pure: what runs in each Cloud Run region, the redirector container and its scaling.
 * The routing table is the container's whole configuration (redirector/routing-table.ts).
 */
import type { RoutingTableInput } from "../../redirector/routing-table";

/** Cloud Run's contract: it sets PORT to this and sends traffic here. */
export const REDIRECTOR_PORT = 8080;
export const HEALTH_PATH = "/healthz";
/** The variable the redirector reads its routing table from. */
export const CONFIG_ENV = "REDIRECTOR_CONFIG";

export interface ContainerArgs {
  image: string;
  table: RoutingTableInput;
}

export function redirectorContainer({ image, table }: ContainerArgs) {
  return {
    name: "redirector",
    image,
    ports: { name: "http1", containerPort: REDIRECTOR_PORT },
    // One vCPU per instance: the service is I/O bound and concurrency does the rest.
    resources: { limits: { cpu: "1", memory: "512Mi" }, cpuIdle: true },
    envs: [{ name: CONFIG_ENV, value: JSON.stringify(table) }],
    // Traffic only once the routing table parsed and the IP ranges loaded (up to 30 s).
    startupProbe: {
      httpGet: { path: HEALTH_PATH, port: REDIRECTOR_PORT },
      initialDelaySeconds: 0,
      periodSeconds: 2,
      timeoutSeconds: 1,
      failureThreshold: 15,
    },
  };
}

export interface ScalingArgs {
  concurrency: number;
  maxInstances: number;
}

export function redirectorScaling({ concurrency, maxInstances }: ScalingArgs) {
  return {
    maxInstanceRequestConcurrency: concurrency,
    // Scales to zero, as upstream: an idle region costs nothing.
    scaling: { minInstanceCount: 0, maxInstanceCount: maxInstances },
    // Every answer is a redirect or a HEAD with a tight budget; nothing should take longer.
    timeout: "60s",
  };
}
