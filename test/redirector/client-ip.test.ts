import { clientIp, firstHeader } from "../../redirector/client-ip";

const ip = (xff: string | undefined, socket?: string) => {
  const r = clientIp(xff, socket);
  return r.ok ? r.text : `error: ${r.error}`;
};

describe("clientIp", () => {
  it.each([
    // The load balancer appends "<client>,<lb>": the client is second to last.
    ["8.8.8.8,8.8.8.9", "8.8.8.8"],
    ["127.0.0.1, 8.8.8.8, 8.8.8.9", "8.8.8.8"],
    // Whatever the client sent in front is ignored, garbage or spoofed.
    ["asd;lfkjaasdf;lk,,8.8.8.8,8.8.8.9", "8.8.8.8"],
    ["35.220.26.1, 35.180.1.1, 34.120.0.1", "35.180.1.1"],
    ["2001:0db8:1234:5678:abcd:1234:5678:abcd, 2001:0db8:0:abcd::", "2001:0db8:1234:5678:abcd:1234:5678:abcd"],
    // The last entry (the LB) is not validated.
    ["35.180.1.1, not-an-ip", "35.180.1.1"],
    ["::ffff:35.180.1.1,1.1.1.1", "::ffff:35.180.1.1"],
  ])("X-Forwarded-For %j -> %s", (xff, expected) => {
    expect(ip(xff, "10.0.0.1")).toBe(expected);
  });

  it.each([
    ["8.8.8.8", "error: invalid X-Forwarded-For value: 8.8.8.8"],
    ["2001:db8::1", "error: invalid X-Forwarded-For value: 2001:db8::1"],
    [", ,", "error: invalid X-Forwarded-For value: , ,"],
    ["not-an-ip, 35.180.1.1", "error: invalid client IP address: not-an-ip"],
    ["1.2.3.4:5678, 5.6.7.8", "error: invalid client IP address: 1.2.3.4:5678"],
    ["35.180.1.1\t,1.1.1.1", "error: invalid client IP address: 35.180.1.1\t"],
    ["035.180.1.1,1.1.1.1", "error: invalid client IP address: 035.180.1.1"],
  ])("X-Forwarded-For %j is refused", (xff, expected) => {
    expect(ip(xff, "10.0.0.1")).toBe(expected);
  });

  it("uses the socket address when there is no X-Forwarded-For", () => {
    expect(ip(undefined, "127.0.0.1")).toBe("127.0.0.1");
    expect(ip("", "::ffff:127.0.0.1")).toBe("::ffff:127.0.0.1");
    expect(clientIp(undefined, "::ffff:35.180.1.1")).toMatchObject({ ok: true, ip: { words: [0x23b40101] } });
    expect(ip(undefined, undefined)).toBe("error: invalid client IP address: (none)");
  });
});

describe("firstHeader", () => {
  it("returns the first X-Forwarded-For line only, whatever its case", () => {
    const raw = ["Host", "x", "x-forwarded-for", "35.180.1.1,1.1.1.1", "X-Forwarded-For", "35.220.26.1,1.1.1.1"];
    expect(firstHeader(raw, "x-forwarded-for")).toBe("35.180.1.1,1.1.1.1");
    expect(firstHeader(["X-FORWARDED-FOR", "a,b"], "x-forwarded-for")).toBe("a,b");
    expect(firstHeader(["Host", "x"], "x-forwarded-for")).toBeUndefined();
  });
});
