import { createHash } from "node:crypto";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  checksumOf,
  checksumSha256,
  compositeChecksum,
  DigestMismatch,
  DigestVerifier,
  MAX_PARTS,
  partSizeFor,
  sha256Digest,
  storedProblem,
} from "../../../tools/sync/verify";

const content = Buffer.from("a blob, in several chunks");
const digest = sha256Digest(content);

/** Runs chunks through a verifier into a sink; returns what the sink received and whether it finished. */
async function through(chunks: Buffer[], expectedDigest: string, size: number) {
  const received: Buffer[] = [];
  const counted: number[] = [];
  let finished = false;
  const sink = new Writable({
    write(chunk, _enc, done) {
      received.push(chunk);
      done();
    },
    final(done) {
      finished = true;
      done();
    },
  });
  const error = await pipeline(
    Readable.from(chunks),
    new DigestVerifier(expectedDigest, size, (n) => counted.push(n)),
    sink,
  ).then(
    () => undefined,
    (e: Error) => e,
  );
  return { error, finished, received: Buffer.concat(received), counted };
}

const chunks = (b: Buffer) => [b.subarray(0, 5), b.subarray(5, 12), b.subarray(12)];

describe("DigestVerifier", () => {
  it("passes the bytes through when digest and size match", async () => {
    const result = await through(chunks(content), digest, content.length);
    expect(result.error).toBeUndefined();
    expect(result.finished).toBe(true);
    expect(result.received).toEqual(content);
    expect(result.counted).toEqual([5, 7, content.length - 12]);
  });

  it("fails the stream, so the sink never finishes, when the bytes are wrong but the size is right", async () => {
    const wrong = Buffer.from(content);
    wrong.writeUInt8(wrong.readUInt8(3) ^ 1, 3);
    const result = await through(chunks(wrong), digest, content.length);
    expect(result.error).toBeInstanceOf(DigestMismatch);
    expect(result.error?.message).toBe(`${digest}: content hashes to ${sha256Digest(wrong)}`);
    expect(result.finished).toBe(false);
  });

  it("fails as soon as there are more bytes than the descriptor gives", async () => {
    const result = await through([content, Buffer.from("extra")], digest, content.length);
    expect(result.error?.message).toBe(`${digest}: more than the ${content.length} bytes its descriptor gives`);
    expect(result.received.length).toBeLessThanOrEqual(content.length);
    expect(result.finished).toBe(false);
  });

  it("fails on a short body", async () => {
    const result = await through([content.subarray(0, 10)], digest, content.length);
    expect(result.error?.message).toBe(`${digest}: got 10 bytes, its descriptor gives ${content.length}`);
  });

  it("checks only the digest when the size is unknown (-1)", async () => {
    expect((await through(chunks(content), digest, -1)).error).toBeUndefined();
  });
});

it("gives S3 the digest's bytes as base64 for ChecksumSHA256", () => {
  expect(checksumSha256(digest)).toBe(createHash("sha256").update(content).digest("base64"));
});

describe("what the mirror holds, judged", () => {
  const blob = Buffer.from("layer bytes");
  const digest = sha256Digest(blob);
  const checksum = checksumSha256(digest);

  it("whole: right size, and the right SHA-256 where the server reports one", () => {
    expect(storedProblem({ size: blob.length }, { size: blob.length, checksum, justWritten: true })).toBeUndefined();
    expect(
      storedProblem(
        { size: blob.length, checksumSha256: checksum },
        { size: blob.length, checksum, justWritten: true },
      ),
    ).toBeUndefined();
    expect(storedProblem(undefined, { size: 1, checksum, justWritten: false })).toBe("missing");
    expect(storedProblem({ size: 5 }, { size: blob.length, checksum, justWritten: false })).toBe(
      `holds 5 bytes, not ${blob.length}`,
    );
  });

  it("a multipart copy is judged by the composite of our parts, as S3 writes it (<base64>-<parts>)", () => {
    const parts = [Buffer.from("layer "), Buffer.from("bytes")].map(checksumOf);
    const composite = compositeChecksum(parts);
    const expected = { size: blob.length, checksum, composite, justWritten: true };
    expect(storedProblem({ size: blob.length, checksumSha256: `${composite}-2` }, expected)).toBeUndefined();
    expect(storedProblem({ size: blob.length, checksumSha256: `${checksum}-2` }, expected)).toBeUndefined();
    expect(storedProblem({ size: blob.length, checksumSha256: "AAAA-2" }, expected)).toBe(
      `has SHA-256 AAAA-2, not ${checksum}`,
    );
  });

  it("someone else's copy: only a whole-object checksum can be wrong (a composite depends on their parts)", () => {
    const before = { size: blob.length, checksum, justWritten: false };
    expect(
      storedProblem({ size: blob.length, checksumSha256: "AAAA-3", checksumType: "COMPOSITE" }, before),
    ).toBeUndefined();
    expect(storedProblem({ size: blob.length, checksumSha256: "AAAA", checksumType: "FULL_OBJECT" }, before)).toBe(
      `has SHA-256 AAAA, not ${checksum}`,
    );
  });

  it("sizes parts so no blob needs more than 10,000", () => {
    const MiB = 1024 * 1024;
    expect(partSizeFor(100 * MiB, 32 * MiB)).toBe(32 * MiB);
    expect(partSizeFor(5 * 1024 ** 4, 32 * MiB)).toBe(525 * MiB);
    expect(Math.ceil((5 * 1024 ** 4) / partSizeFor(5 * 1024 ** 4, 5 * MiB))).toBeLessThanOrEqual(MAX_PARTS);
  });
});
