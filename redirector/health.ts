/**
 * Active health checks of the mirrors, so that a mirror that dies leaves rotation within
 * seconds even for blobs the existence cache remembers as present (a cached hit sends
 * no HEAD, so neither the HEADs nor the breaker would notice), and comes back once it
 * answers again. MirrorBits and MirrorBrain probe their mirrors the same way.
 *
 * - What is probed: a HEAD of the mirror's base URL (`<base>/`). Any answer below 500
 *   other than 429 means it serves (an S3 bucket answers 200 or 403, a CDN 404); a
 *   timeout, a connection error, a 5xx or a 429 is a failure.
 * - Which mirrors: those this instance sends clients to, i.e. that answered a blob HEAD
 *   with 200 within the positive TTL. A mirror no client here uses costs no probes
 *   (S3 bills every HEAD), and is covered by the per-blob HEADs and the breaker.
 * - When: every `intervalMs`, one probe per mirror at a time. `failures` consecutive
 *   failed probes take it out of rotation, `successes` consecutive good ones bring it
 *   back. A dead mirror is out within about failures x interval (+ the timeout if it
 *   hangs rather than refuses).
 */
import type { Head } from "./http-head";

export interface HealthOptions {
  intervalMs: number;
  failures: number;
  successes: number;
  timeoutMs: number;
}

/** A mirror leaving or rejoining rotation, for the log. */
export interface HealthChange {
  mirror: string;
  up: boolean;
  detail: string;
}

interface MirrorState {
  /** Probed while a cached "present" for it may be served: until then. */
  inUseUntil: number;
  down: boolean;
  /** Consecutive probes that disagree with `down` (failures while up, successes while down). */
  streak: number;
  probing: boolean;
  detail: string;
}

export class HealthChecks {
  private readonly mirrors = new Map<string, MirrorState>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly options: HealthOptions,
    private readonly head: Head,
    private readonly now: () => number,
    private readonly onChange: (change: HealthChange) => void = () => {},
  ) {}

  /** Why the mirror at `base` is out of rotation, or undefined while it is in. */
  down(base: string): string | undefined {
    const m = this.mirrors.get(base);
    return m?.down ? m.detail : undefined;
  }

  /** The mirror just held a blob, so clients will be sent there until `until`: keep probing it. */
  inUse(base: string, until: number): void {
    const m = this.mirrors.get(base);
    if (m) m.inUseUntil = Math.max(m.inUseUntil, until);
    else this.mirrors.set(base, { inUseUntil: until, down: false, streak: 0, probing: false, detail: "" });
    this.timer ??= setInterval(() => this.tick(), this.options.intervalMs).unref();
  }

  /** Probes every mirror in use (one probe each at a time); forgets those no longer in use. */
  private tick(): void {
    const now = this.now();
    for (const [base, m] of this.mirrors) {
      // Nothing cached for it any more: per-blob HEADs and the breaker take over again.
      if (now > m.inUseUntil) this.mirrors.delete(base);
      else if (!m.probing) this.probe(base, m);
    }
    if (this.mirrors.size === 0) this.stop();
  }

  private async probe(base: string, m: MirrorState): Promise<void> {
    m.probing = true;
    let failure: string | undefined;
    try {
      const status = await this.head(`${base}/`, AbortSignal.timeout(this.options.timeoutMs));
      if (status >= 500 || status === 429) failure = `HEAD ${status}`;
    } catch (err) {
      const e = err as { name?: string; code?: string; message?: string };
      failure = e.name === "TimeoutError" ? `timeout after ${this.options.timeoutMs} ms` : (e.code ?? e.message);
    } finally {
      m.probing = false;
    }
    const changed = failure === undefined ? m.down : !m.down;
    m.streak = changed ? m.streak + 1 : 0;
    if (!changed || m.streak < (m.down ? this.options.successes : this.options.failures)) return;
    m.down = !m.down;
    m.streak = 0;
    m.detail = `mirror down: ${this.options.failures} failed health checks (last: ${failure})`;
    if (this.mirrors.get(base) === m) {
      this.onChange({ mirror: base, up: !m.down, detail: m.down ? m.detail : "health checks pass again" });
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
