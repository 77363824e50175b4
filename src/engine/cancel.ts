/**
 * A cancel token (TF Playground's Player pattern): a new run invalidates the old one. The runner checks
 * `cancelled` between steps and races its readbacks against `whenCancelled`, so a cancel takes effect
 * within one step even while the GPU is busy. A token cancelled with an error (e.g. device loss) makes
 * the runner throw that error instead of returning 'cancelled'.
 */
import type { EngineError } from './errors.ts';

export class CancelToken {
  #cancelled = false;
  #reason: EngineError | undefined;
  #resolve: () => void = () => {};
  /** Resolves when the token is cancelled (never rejects). */
  readonly whenCancelled: Promise<void>;

  constructor() {
    this.whenCancelled = new Promise<void>((resolve) => {
      this.#resolve = resolve;
    });
  }

  get cancelled(): boolean {
    return this.#cancelled;
  }

  /** The error the run should end with, if it was cancelled because something broke. */
  get reason(): EngineError | undefined {
    return this.#reason;
  }

  cancel(reason?: EngineError): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    this.#reason = reason;
    this.#resolve();
  }
}
