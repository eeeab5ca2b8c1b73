/**
 * A per-device FIFO: one job at a time, in arrival order.
 *
 * The KLAP session has one seq counter and devices are fragile (docs/protocols/klap.md §6), so a device sees
 * at most one request in flight. Handshakes run inside the job that needs them, which is why
 * any number of callers arriving on a cold session cause exactly one handshake: the first job
 * performs it and the others find a live session when their turn comes.
 */

interface Job {
  run: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

export class SerialQueue {
  private readonly waiting: Job[] = [];
  private running = false;

  /** Number of jobs not yet started. */
  get pending(): number {
    return this.waiting.length;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    if (!this.running && this.waiting.length === 0) {
      // Idle: the task starts at once and its own promise is the caller's (one layer fewer);
      // whatever queues meanwhile starts when it settles, before the caller hears of it.
      this.running = true;
      let started: Promise<T>;
      try {
        started = task();
      } catch (error) {
        started = Promise.reject(error);
      }
      started.then(this.settled, this.settled);
      return started;
    }
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ run: task, resolve: resolve as (value: unknown) => void, reject });
      void this.drain();
    });
  }

  /** Rejects every job that has not started yet (used by close()). */
  rejectPending(reason: unknown): void {
    for (const job of this.waiting.splice(0)) job.reject(reason);
  }

  /** The task started by run() while idle has settled: on to what queued meanwhile. */
  private readonly settled = (): void => {
    this.running = false;
    if (this.waiting.length > 0) void this.drain();
  };

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let job = this.waiting.shift(); job; job = this.waiting.shift()) {
        try {
          job.resolve(await job.run());
        } catch (error) {
          job.reject(error);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
