import { conditionKeys, isPublicPrincipal, isTlsOnlyDeny, isWriteAction, statements } from "../../policy/documents";

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

  it("list condition keys, lower-cased, with their operators", () => {
    expect(conditionKeys({ Condition: { StringEquals: { "Issuer:Aud": "x", "issuer:sub": ["y"] } } })).toEqual([
      { operator: "StringEquals", key: "issuer:aud" },
      { operator: "StringEquals", key: "issuer:sub" },
    ]);
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
