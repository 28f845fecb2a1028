/**
 * The client's address, as Google's external load balancer reports it.
 *
 * The LB appends `<client-ip>,<lb-ip>` to X-Forwarded-For, after whatever the client
 * sent, so the client is the second-to-last entry and everything before it is
 * untrusted. Only the first header line counts (Node would join repeated lines with
 * ", ", letting a client append a line of its own choosing). Without the header the
 * request came straight to us: use the socket address.
 */
import { type IpAddress, parseIp } from "./ip";

export type ClientIp = { ok: true; text: string; ip: IpAddress } | { ok: false; error: string };

/** The first X-Forwarded-For line of a request, from Node's raw header list. */
export function firstForwardedFor(rawHeaders: readonly string[]): string | undefined {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    if (name.length === 15 && name.toLowerCase() === "x-forwarded-for") return rawHeaders[i + 1];
  }
  return undefined;
}

/** Resolves the client IP from the first X-Forwarded-For line, else the socket address. */
export function clientIp(forwardedFor: string | undefined, socketAddress: string | undefined): ClientIp {
  let text: string | undefined;
  if (forwardedFor) {
    // Split on "," and " " only, dropping empty fields, as upstream does.
    const fields = forwardedFor.split(/[, ]+/).filter((f) => f !== "");
    if (fields.length < 2) return { ok: false, error: `invalid X-Forwarded-For value: ${forwardedFor}` };
    text = fields[fields.length - 2] as string;
  } else {
    text = socketAddress;
  }
  const ip = text === undefined ? undefined : parseIp(text);
  if (!ip) return { ok: false, error: `invalid client IP address: ${text ?? "(none)"}` };
  return { ok: true, text: text as string, ip };
}
