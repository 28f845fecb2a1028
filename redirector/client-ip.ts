/**
 * The client's address, as Google's external load balancer reports it.
 *
 * The LB appends `<client-ip>,<lb-ip>` to X-Forwarded-For, after whatever the client
 * sent, so the client is the second-to-last entry and everything before it is
 * untrusted. Only the first header line counts (Node would join repeated lines with
 * ", ", letting a client append a line of its own choosing). Without the header the
 * request came straight to us: use the socket address.
 */
import { CLIP, clip } from "./clip";
import { type IpAddress, parseIp } from "./ip";

export type ClientIp = { ok: true; text: string; ip: IpAddress } | { ok: false; error: string };

/** The first line of a header (`name` in lower case), from Node's raw header list. */
export function firstHeader(rawHeaders: readonly string[], name: string): string | undefined {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const key = rawHeaders[i] as string;
    if (key.length === name.length && key.toLowerCase() === name) return rawHeaders[i + 1];
  }
  return undefined;
}

const isSeparator = (c: number) => c === 44 /* , */ || c === 32; /* space */

/**
 * The second-to-last field of an X-Forwarded-For value, fields separated by "," and
 * " " (empty fields do not count), as upstream splits it; undefined if fewer than two.
 */
export function secondToLast(value: string): string | undefined {
  let end = value.length;
  let start = end;
  for (let field = 0; field < 2; field++) {
    while (end > 0 && isSeparator(value.charCodeAt(end - 1))) end--;
    if (end === 0) return undefined;
    start = end;
    while (start > 0 && !isSeparator(value.charCodeAt(start - 1))) start--;
    if (field === 0) end = start;
  }
  return value.slice(start, end);
}

/** Resolves the client IP from the first X-Forwarded-For line, else the socket address. */
export function clientIp(forwardedFor: string | undefined, socketAddress: string | undefined): ClientIp {
  let text: string | undefined;
  if (forwardedFor) {
    text = secondToLast(forwardedFor);
    if (text === undefined)
      return { ok: false, error: `invalid X-Forwarded-For value: ${clip(forwardedFor, CLIP.address)}` };
  } else {
    text = socketAddress;
  }
  const ip = text === undefined ? undefined : parseIp(text);
  if (!ip)
    return {
      ok: false,
      error: `invalid client IP address: ${text === undefined ? "(none)" : clip(text, CLIP.address)}`,
    };
  return { ok: true, text: text as string, ip };
}
