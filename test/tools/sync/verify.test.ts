import { createHash } from "node:crypto";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { checksumSha256, DigestMismatch, DigestVerifier, sha256Digest } from "../../../tools/sync/verify";

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
