/** What the buffer needs of a held message: when it was taken off the stream. */
export interface Buffered {
  heldAt: number;
}

/** What the write loop does next: write a batch, ask again (woken early), or stop (drained). */
export type BatchTurn = 'write' | 'again' | 'drained';

/**
 * Messages taken off a stream and waiting to be written, in arrival order, with the rows they hold. A
 * consumer's write loop asks it when a batch is due: once it holds `batchRows` rows, or its oldest
 * message has waited `flushMs`, or the consumer is stopping. It then takes whole messages from the
 * front, so a message is acknowledged after one insert holding all its rows.
 */
export class BatchBuffer<T extends Buffered> {
  private readonly items: T[] = [];
  private rows = 0;
  private wake?: () => void;

  constructor(
    private readonly rowsOf: (item: T) => number,
    private readonly batchRows: number,
    private readonly flushMs: number,
  ) {}

  add(item: T): void {
    this.items.push(item);
    this.rows += this.rowsOf(item);
    // The first message starts the flush wait; a full batch goes at once.
    if (this.items.length === 1 || this.rows >= this.batchRows) this.wake?.();
  }

  /** Waits for a batch to be due; `stopping` writes what is held without waiting. */
  async turn(stopping: boolean): Promise<BatchTurn> {
    const oldest = this.items[0];
    if (!oldest) {
      if (stopping) return 'drained';
      await this.sleep(this.flushMs);
      return 'again';
    }
    const waited = Date.now() - oldest.heldAt;
    if (this.rows < this.batchRows && !stopping && waited < this.flushMs) {
      await this.sleep(this.flushMs - waited);
      return 'again';
    }
    return 'write';
  }

  /** Whole messages from the front, up to `batchRows` rows (at least one message). */
  take(): T[] {
    let rows = 0;
    let count = 0;
    while (count < this.items.length) {
      const size = this.rowsOf(this.items[count] as T);
      if (count > 0 && rows + size > this.batchRows) break;
      rows += size;
      count += 1;
    }
    this.rows -= rows;
    return this.items.splice(0, count);
  }

  /** Ends a wait at once (shutdown, or room to act). */
  wakeUp(): void {
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
