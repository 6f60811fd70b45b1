/**
 * The vendors' clock as seen from here. Vendors refuse timestamps more than
 * 10 minutes off, and many Node-RED hosts (a Raspberry Pi without a real-time
 * clock) are off by more: every answer's Date header corrects the offset.
 */
export class Clock {
  private offsetMs = 0;

  /** Milliseconds since the epoch on the server's clock. */
  now(): number {
    return Date.now() + this.offsetMs;
  }

  get offset(): number {
    return this.offsetMs;
  }

  /**
   * Takes the server's time from a Date header. The header has one-second
   * resolution and the answer took a while to arrive, so only a clear
   * disagreement (more than 5 s) moves the offset.
   */
  observe(dateHeader: string | undefined): void {
    if (!dateHeader) return;
    const server = Date.parse(dateHeader);
    if (Number.isNaN(server)) return;
    const skew = server - Date.now();
    if (Math.abs(skew - this.offsetMs) > 5000) this.offsetMs = skew;
  }
}
