/**
 * What the engine worker exposes beyond protocol.ts's EngineApi: an event subscription (so the page
 * hears about WebGPU device loss while idle) and a test hook that simulates device loss.
 */
import type { BackendName, EngineApi } from './protocol.ts';

export type EngineEvent =
  /** The WebGPU device or WebGL context is gone (driver reset, GPU removed, tab backgrounded too long, or the test hook). */
  | { readonly type: 'device-lost'; readonly backend: BackendName; readonly message: string }
  /** The worker script could not start: every call fails (page side only). */
  | { readonly type: 'crashed'; readonly message: string };

export interface EngineWorkerApi extends EngineApi {
  /** Calls `listener` for every engine event until the worker ends. */
  subscribe(listener: (event: EngineEvent) => void): void;
  /** Aborts the init in progress (its weights download): init rejects with kind 'cancelled'. */
  cancelInit(): void;
  /** Answers once the worker's script has loaded (the client's liveness check). */
  ping(): boolean;
  /** Test hook: destroys the active WebGPU device (or loses the WebGL context) as a GPU reset would. False on other backends. */
  loseDeviceForTesting(): boolean;
}
