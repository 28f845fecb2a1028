import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, parseRoutingTable, readSettings } from "../../redirector/config";
import { table } from "./http-fixtures";
import { tempDir } from "./range-fixtures";

const TABLE = table({ paris: "http://127.0.0.1:1", oregon: "http://127.0.0.1:2", fallback: "http://127.0.0.1:3" });

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    readSettings(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe("readSettings", () => {
  it("reads the table inline or from a file, with defaults", () => {
    const file = join(tempDir(), "t.json");
    writeFileSync(file, JSON.stringify(TABLE));
    const fromFile = readSettings({ REDIRECTOR_CONFIG_FILE: file });
    const inline = readSettings({
      REDIRECTOR_CONFIG: JSON.stringify(TABLE),
      PORT: "9000",
      RANGES_DIR: "/r",
      LOG_LEVEL: "debug",
    });
    expect(fromFile).toMatchObject({ port: 8080, rangesDir: "dist/ranges", logLevel: "info" });
    expect(inline).toMatchObject({ port: 9000, rangesDir: "/r", logLevel: "debug" });
    expect(inline.table).toEqual(fromFile.table);
    // Defaults of the shared schema are filled in.
    expect(inline.table.existenceCheck).toMatchObject({
      positiveTtlSeconds: 600,
      negativeTtlSeconds: 60,
      maxEntries: 100000,
    });
  });

  it("lists every problem", () => {
    expect(problems({})).toEqual(["no routing table: set REDIRECTOR_CONFIG (JSON) or REDIRECTOR_CONFIG_FILE (path)"]);
    expect(problems({ REDIRECTOR_CONFIG: "{}", REDIRECTOR_CONFIG_FILE: "x" })).toEqual([
      "set REDIRECTOR_CONFIG or REDIRECTOR_CONFIG_FILE, not both",
    ]);
    expect(problems({ REDIRECTOR_CONFIG_FILE: "/nonexistent.json", PORT: "70000", LOG_LEVEL: "loud" })).toEqual([
      'PORT: "70000" is not a port',
      'LOG_LEVEL: "loud" is not one of trace, debug, info, warn, error, fatal, silent',
      "REDIRECTOR_CONFIG_FILE: cannot read /nonexistent.json: ENOENT: no such file or directory, open '/nonexistent.json'",
    ]);
    expect(problems({ REDIRECTOR_CONFIG: "{" })[0]).toMatch(/^REDIRECTOR_CONFIG: not valid JSON: /);
    const twice = {
      ...TABLE,
      mirrors: [...(TABLE.mirrors ?? []), { cloud: "aws", clientRegion: "eu-west-3", baseUrl: "http://x" }],
    };
    expect(problems({ REDIRECTOR_CONFIG: JSON.stringify(twice) })).toEqual([
      "REDIRECTOR_CONFIG: mirrors[2]: aws/eu-west-3 is routed twice (first at mirrors[0])",
    ]);
  });

  it("refuses URLs that could not stand in a Location header", () => {
    // WHATWG URL parsing drops tabs and newlines, so the schema alone lets these through.
    const bad = {
      ...TABLE,
      infoUrl: "https://example.test/a\r\nSet-Cookie: x",
      privacyUrl: "https://example.test/\u00e9",
    };
    expect(() => parseRoutingTable(JSON.stringify(bad), "t.json")).toThrow(
      new ConfigError([
        't.json: infoUrl: "https://example.test/a\\r\\nSet-Cookie: x" must be printable ASCII (percent-encode)',
        't.json: privacyUrl: "https://example.test/é" must be printable ASCII (percent-encode)',
      ]),
    );
  });
});
