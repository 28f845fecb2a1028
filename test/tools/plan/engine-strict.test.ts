import * as aws from "@pulumi/aws";
import * as cloudflare from "@pulumi/cloudflare";
import { evaluate } from "../../../tools/plan/engine";

describe("strict mocks", () => {
  it("fail the evaluation on an invoke nobody mocked, and answer the ones on the list", async () => {
    await expect(
      evaluate("strict", {}, () => ({
        zone: cloudflare.getZoneOutput({ filter: { name: "example.dev" } }).zoneId,
        caller: aws.getCallerIdentityOutput().accountId,
      })),
    ).rejects.toThrow("unmocked invoke aws:index/getCallerIdentity:getCallerIdentity");
  }, 30_000);
});
