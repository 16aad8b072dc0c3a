/**
 * A task run every `intervalMs` in the background, never twice at once: a run still going when the next
 * is due is joined, not doubled. The timer never keeps the process alive; `stop()` ends it and, for
 * tasks that hand over what they gathered (counts, usage), runs the task one last time.
 */
export class PeriodicTask {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly task: () => Promise<void>,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.run(), this.intervalMs);
    this.timer.unref();
  }

  /** Runs the task now, or joins the run under way. The task handles (and logs) its own failures. */
  run(): Promise<void> {
    this.running ??= this.task().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Stops the timer and waits for the run under way; with `finalRun`, runs once more after it. */
  async stop({ finalRun }: { finalRun: boolean }): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    if (finalRun) await this.run();
  }
}
