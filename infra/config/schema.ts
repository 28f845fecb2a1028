/** The whole config: the sections under their top-level keys, the backends by donor kind. */
import { z } from "zod";
import { Backend } from "../donors/kinds";
import { Hostname } from "../fields";
import {
  ArmorConfig,
  DnsConfig,
  LoadBalancerConfig,
  MonitoringConfig,
  PromotionConfig,
  RedirectorConfig,
  SourceConfig,
} from "./sections";
import { SyncConfig } from "./sync";

/** Every key lives in this Pulumi config namespace: `registry:source`. */
export const NAMESPACE = "registry";

/** The top-level keys, each parsed on its own so one bad key does not hide the others. */
export const FIELDS = {
  /** The public domain clients pull from. */
  domain: Hostname,
  source: SourceConfig,
  redirector: RedirectorConfig,
  backends: z.array(Backend).default([]),
  dns: DnsConfig,
  promotion: PromotionConfig,
  armor: ArmorConfig.prefault({}),
  loadBalancer: LoadBalancerConfig.prefault({}),
  monitoring: MonitoringConfig.optional(),
  /** The blob sync as a scheduled Cloud Run job per donor; none without it. */
  sync: SyncConfig.optional(),
};
export type Fields = typeof FIELDS;
export type FieldName = keyof Fields;

export const RegistryConfig = z.strictObject(FIELDS);
export type RegistryConfig = z.output<typeof RegistryConfig>;
