import * as aws from "@pulumi/aws";
import { evaluate } from "../../../tools/plan/engine";

describe("strict imports", () => {
  it("fail the evaluation on an import ID the provider would refuse, naming the resource and the form", async () => {
    await expect(
      evaluate("strict-import", {}, () => {
        // A bucket outside the provider's region is imported as `<name>@<region>`.
        new aws.s3.Bucket("mirror", { bucket: "mirror", region: "eu-west-1" }, { import: "mirror" });
        return {};
      }),
    ).rejects.toThrow(/mirror: "mirror" is not a aws:s3\/bucket:Bucket import ID/);
  }, 30_000);
});
