/**
 * What routing promises for every input, not just the listed ones (fast-check): the
 * upstream choice and the mirror routes depend on the config's content, never on its order.
 */
import { fc, test } from "@fast-check/jest";
import { AWS_REGIONS } from "../../infra/catalog/aws-regions";
import { distanceKm, GCP_REGIONS } from "../../infra/catalog/gcp-regions";
import type { Backend } from "../../infra/donors/kinds";
import { mirrorRoutes, upstreamRegionFor } from "../../infra/routing";

const gcpRegions = Object.keys(GCP_REGIONS);
const awsRegions = Object.entries(AWS_REGIONS).flatMap(([r, info]) => (info.partition === "aws" ? [r] : []));

const region = fc.constantFrom(...gcpRegions);
const arRegions = fc.uniqueArray(region, { minLength: 1, maxLength: 12 });

describe("upstreamRegionFor", () => {
  test.prop([region, arRegions])("a Cloud Run region with its own repository uses it", (run, ar) => {
    const result = upstreamRegionFor(run, [...ar, run]);
    expect(result).toEqual({ region: run, km: 0 });
  });

  test.prop([region, arRegions])("the nearest repository wins, whatever the order of the list", (run, ar) => {
    const result = upstreamRegionFor(run, ar);
    const reversed = upstreamRegionFor(run, [...ar].reverse());
    const sorted = upstreamRegionFor(run, [...ar].sort());
    expect(reversed).toEqual(result);
    expect(sorted).toEqual(result);
    expect(ar).toContain(result.region);
    const nearest = Math.min(...ar.map((r) => (r === run ? 0 : distanceKm(run, r))));
    expect(result.km).toBe(nearest);
  });
});

/** An aws-s3 backend (as parsed) with its own account, a few of its own regions, in rotation or not. */
function awsBackend(account: string, regions: string[], inRotation: boolean): Backend {
  return {
    donor: "aws-s3",
    inRotation,
    accountId: account,
    bucketPrefix: `mirror-${account}-`,
    sourceRegion: regions[0] as string,
    regions,
    serve: {},
    publicAccessBlock: { blockPublicAcls: true, ignorePublicAcls: true },
    replication: { ruleId: "to-{region}", metrics: true },
  };
}

/** Backends that claim disjoint client regions, as the config's rules require. */
const backends = fc
  .shuffledSubarray(awsRegions, { minLength: 1, maxLength: 12 })
  .chain((regions) =>
    fc.tuple(
      fc.constant(regions),
      fc.array(fc.integer({ min: 0, max: 3 }), { minLength: regions.length, maxLength: regions.length }),
      fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    ),
  )
  .map(([regions, owner, rotation]) =>
    [0, 1, 2, 3]
      .map((b) => ({ b, regions: regions.filter((_, i) => owner[i] === b) }))
      .filter((x) => x.regions.length > 0)
      .map((x) => awsBackend(String(100000000000 + x.b), x.regions, rotation[x.b] ?? true)),
  );

describe("mirrorRoutes", () => {
  test.prop([
    backends.chain((bs) =>
      fc.tuple(fc.constant(bs), fc.shuffledSubarray(bs, { minLength: bs.length, maxLength: bs.length })),
    ),
  ])("do not depend on the order of the backends", ([bs, shuffled]) => {
    expect(mirrorRoutes({ backends: shuffled })).toEqual(mirrorRoutes({ backends: bs }));
  });

  test.prop([backends])("route exactly the client regions of the backends in rotation, each once, sorted", (bs) => {
    const routes = mirrorRoutes({ backends: bs });
    const expected = bs.filter((b) => b.inRotation).flatMap((b) => (b.donor === "aws-s3" ? b.regions : []));
    expect(routes.map((r) => r.clientRegion)).toEqual([...expected].sort());
    expect(new Set(routes.map((r) => `${r.cloud} ${r.clientRegion}`)).size).toBe(routes.length);
  });
});
