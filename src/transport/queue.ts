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
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ run: task, resolve: resolve as (value: unknown) => void, reject });
      void this.drain();
    });
  }

  /** Rejects every job that has not started yet (used by close()). */
  rejectPending(reason: unknown): void {
    for (const job of this.waiting.splice(0)) job.reject(reason);
  }

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
