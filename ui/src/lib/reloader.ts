// Loads a page's data again when the core's events say it changed, never two
// loads at once and at most one every `gapMs`: a burst of events (a campaign's
// progress, many replies) becomes one load after the current one. Event-driven,
// not polling: nothing runs until something asks.
export class Reloader {
  private running = false;
  private again = false;
  private lastStart = -Infinity;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;

  constructor(
    private readonly load: () => Promise<void>,
    private readonly gapMs = 0,
  ) {}

  /** Load now, or after the load in flight (and the gap). */
  request(): void {
    if (this.stopped) return;
    if (this.running || this.timer) {
      this.again = true;
      return;
    }
    const wait = this.lastStart + this.gapMs - Date.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.run();
      }, wait);
      return;
    }
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async run(): Promise<void> {
    this.running = true;
    this.again = false;
    this.lastStart = Date.now();
    try {
      await this.load();
    } finally {
      this.running = false;
      if (this.again) this.request();
    }
  }
}
