/**
 * The latency-bound profile of the bench API: what real APIs do to a sync. Each answer waits
 * `latencyMs`; beyond `rateLimit` requests in any sliding second the API answers 429 with
 * `Retry-After: 1`, as a rate-limited API would, and counts the refusal. The peak is the most
 * requests accepted in any sliding second, to check a client's limit against the API's.
 */
export interface ApiManners {
  latencyMs?: number;
  rateLimit?: number;
}

export interface MannerStats {
  refused: number;
  /** most requests accepted in any sliding second since the last reset */
  peak: number;
}

export class MannersGate {
  private readonly accepted: number[] = [];
  private refused = 0;
  private peak = 0;

  constructor(private readonly manners: ApiManners) {}

  /** Admits a request now (true) or refuses it (false): the sliding one-second window. */
  admit(now = Date.now()): boolean {
    const limit = this.manners.rateLimit;
    while (this.accepted.length > 0 && this.accepted[0] <= now - 1000) this.accepted.shift();
    if (limit !== undefined && this.accepted.length >= limit) {
      this.refused += 1;
      return false;
    }
    this.accepted.push(now);
    this.peak = Math.max(this.peak, this.accepted.length);
    return true;
  }

  /** Runs `answer` after the API's latency. */
  delay(answer: () => void): void {
    if (this.manners.latencyMs) setTimeout(answer, this.manners.latencyMs);
    else answer();
  }

  stats(): MannerStats {
    return { refused: this.refused, peak: this.peak };
  }

  /** Starts a new measurement (the next contender's run). */
  reset(): void {
    this.refused = 0;
    this.peak = 0;
  }
}
