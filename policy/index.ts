/** The policy pack: `pulumi preview --policy-pack policy`. The policies live in policies.ts. */
import { PolicyPack } from "@pulumi/policy";
import { ALL_POLICIES } from "./policies";

new PolicyPack("registry-guardrails", { enforcementLevel: "mandatory", policies: ALL_POLICIES });
