import { parseIp } from "../../redirector/ip";

describe("parseIp", () => {
  it.each([
    ["35.180.1.1", [0x23b40101]],
    ["0.0.0.0", [0]],
    ["255.255.255.255", [0xffffffff]],
    ["::", [0, 0, 0, 0]],
    ["::1", [0, 0, 0, 1]],
    ["1::", [0x00010000, 0, 0, 0]],
    ["2001:db8::ff00:42:8329", [0x20010db8, 0, 0x0000ff00, 0x00428329]],
    ["2001:0DB8:0000:0000:0000:FF00:0042:8329", [0x20010db8, 0, 0x0000ff00, 0x00428329]],
    ["1:2:3:4:5:6:7:8", [0x00010002, 0x00030004, 0x00050006, 0x00070008]],
    ["64:ff9b::1.2.3.4", [0x0064ff9b, 0, 0, 0x01020304]],
    // IPv4-mapped IPv6 is the IPv4 address: looked up in the IPv4 ranges.
    ["::ffff:35.180.1.1", [0x23b40101]],
    ["::ffff:23b4:101", [0x23b40101]],
  ])("parses %s", (text, words) => {
    expect(parseIp(text)).toEqual({ words, zoned: false });
  });

  it("keeps a zone as a flag (a zoned address never matches a cloud range)", () => {
    expect(parseIp("fe80::1%eth0")).toEqual({ words: [0xfe800000, 0, 0, 1], zoned: true });
    expect(parseIp("::ffff:1.2.3.4%eth0")?.zoned).toBe(true);
  });

  it.each([
    "",
    "035.180.1.1", // leading zero
    "1.2.3",
    "1.2.3.4.5",
    "256.1.1.1",
    "1.2.3.4:80",
    "[::1]",
    "1.2.3.4/32",
    "::1/128",
    "1:2:3:4:5:6:7:8:9",
    "1:2:3:4:5:6:7",
    "1::2::3",
    ":::",
    "1:",
    ":1",
    "12345::",
    "g::1",
    "1.2.3.4%eth0",
    "fe80::1%",
    "1:2:3:4:5:6:7:1.2.3.4",
    "::1.2.3",
    " 1.2.3.4",
    "1.2.3.4\t",
    "localhost",
  ])("refuses %j", (text) => {
    expect(parseIp(text)).toBeUndefined();
  });
});
