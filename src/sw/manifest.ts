/** What the build tells the service worker: its cache names and the files it precaches (tools/service-worker.ts). */
export interface ServiceWorkerManifest {
  /** Every cache of this app starts with it; activation deletes those that are not the two below. */
  readonly prefix: string;
  readonly shellCache: string;
  readonly weightsCache: string;
  /** Paths relative to the scope ('' is the page itself). */
  readonly shell: readonly string[];
  readonly weights: readonly string[];
}
