import {
  claimTest,
  federatedIssuer,
  isPublicPrincipal,
  isTlsOnlyDeny,
  isWriteAction,
  statements,
} from "../../policy/documents";

describe("policy document helpers", () => {
  it("read statements from JSON strings and objects, single or listed", () => {
    const s = { Effect: "Allow", Action: "s3:GetObject" };
    expect(statements(JSON.stringify({ Statement: [s] }))).toEqual([s]);
    expect(statements({ Statement: s })).toEqual([s]);
    expect(statements(undefined)).toEqual([]);
    expect(statements("{not json")).toEqual([]);
  });

  it("tell reads from writes", () => {
    expect(["s3:GetObject", "s3:ListBucket", "ec2:DescribeRegions", "s3:HeadObject"].map(isWriteAction)).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(["s3:PutObject", "s3:*", "s3:Get*", "iam:PassRole", "*"].map(isWriteAction)).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
  });

  it("recognise public principals", () => {
    expect([isPublicPrincipal("*"), isPublicPrincipal({ AWS: ["arn:aws:iam::1:root", "*"] })]).toEqual([true, true]);
    expect([
      isPublicPrincipal({ Service: "s3.amazonaws.com" }),
      isPublicPrincipal({ AWS: "arn:aws:iam::1:root" }),
    ]).toEqual([false, false]);
  });

  it("name the issuer of a federated principal", () => {
    expect(federatedIssuer("arn:aws:iam::1:oidc-provider/Container.googleapis.com/v1/p")).toBe(
      "container.googleapis.com/v1/p",
    );
    expect(federatedIssuer("accounts.google.com")).toBe("accounts.google.com");
  });

  it("tell an exact claim test from a wildcard and from none, for one issuer only", () => {
    const s = (Condition: object) => ({ Effect: "Allow", Condition }) as never;
    expect(claimTest(s({ StringEquals: { "Iss:Aud": "x" } }), "iss", "aud")).toBe("exact");
    expect(claimTest(s({ StringLike: { "iss:sub": ["a:b", "c:d"] } }), "iss", "sub")).toBe("exact");
    expect(claimTest(s({ StringLike: { "iss:sub": "system:serviceaccount:ns:*" } }), "iss", "sub")).toBe("wildcard");
    expect(claimTest(s({ StringEquals: { "other:sub": "x" } }), "iss", "sub")).toBe("missing");
    expect(claimTest(s({}), "iss", "aud")).toBe("missing");
  });

  it("recognise the TLS-only deny, and only it", () => {
    const deny = {
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    };
    expect(isTlsOnlyDeny(deny)).toBe(true);
    expect(isTlsOnlyDeny({ ...deny, Condition: { Bool: { "aws:SecureTransport": false } } })).toBe(true);
    expect(isTlsOnlyDeny({ ...deny, Effect: "Allow" })).toBe(false);
    expect(isTlsOnlyDeny({ ...deny, Action: "s3:GetObject" })).toBe(false);
    expect(isTlsOnlyDeny({ ...deny, Condition: { Bool: { "aws:SecureTransport": "true" } } })).toBe(false);
  });
});
