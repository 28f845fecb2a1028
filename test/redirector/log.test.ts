import { closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BatchedWriter, createLogger } from "../../redirector/log";
import { LogCapture } from "./http-fixtures";
import { tempDir } from "./range-fixtures";

const tick = () => new Promise((r) => setImmediate(r));

describe("BatchedWriter", () => {
  it("writes the lines of a turn together, and flush keeps their order behind a write in flight", async () => {
    const path = join(tempDir(), "log");
    const fd = openSync(path, "w");
    const w = new BatchedWriter(fd);
    w.write("a\n");
    w.write("b\n");
    await tick(); // the async write of "a\nb\n" is now in flight
    w.write("c\n");
    await new Promise<void>((done) => w.flush(() => done()));
    closeSync(fd);
    expect(readFileSync(path, "utf8")).toBe("a\nb\nc\n");
  });

  it("drops lines rather than grow past its bound", () => {
    const path = join(tempDir(), "log");
    const fd = openSync(path, "w");
    const w = new BatchedWriter(fd, 10);
    expect([w.write("12345678\n"), w.write("12345678\n"), w.write("12345678\n")]).toEqual([true, true, false]);
    expect(w.dropped).toBe(1);
    w.flush();
    closeSync(fd);
    expect(readFileSync(path, "utf8")).toBe("12345678\n12345678\n");
  });
});

describe("createLogger", () => {
  it("writes Cloud Logging's field names", () => {
    const capture = new LogCapture();
    const logger = createLogger("info", capture);
    logger.warn({ route: "x" }, "hello");
    logger.debug("not at info");
    expect(capture.lines).toEqual([
      {
        severity: "WARNING",
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        route: "x",
        message: "hello",
      },
    ]);
  });
});
