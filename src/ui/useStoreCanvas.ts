/**
 * The one way a canvas is drawn from the store: from `store.subscribe`, outside React renders. `keyOf`
 * names everything the drawing depends on (a string, or a list of values compared by identity: typed
 * arrays the store replaces on every change), and `draw` runs when the key changes: on the next animation
 * frame (frames, charts: many changes coalesce into one draw), or at once with `immediate` (the editors,
 * so that a stroke is on the canvas when the pointer event returns). A prop that the key reads is noticed
 * on the next render.
 */
import { useEffect, useRef, type RefObject } from 'react';
import type { AppState } from '../store/index.ts';
import { useAppStore } from './store-context.tsx';

export type CanvasKey = string | readonly unknown[];

function sameKey(a: CanvasKey, b: CanvasKey | null): boolean {
  if (b === null) return false;
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export function useStoreCanvas(
  keyOf: (s: AppState) => CanvasKey,
  draw: (ctx: CanvasRenderingContext2D, s: AppState, canvas: HTMLCanvasElement) => void,
  options: { readonly immediate?: boolean } = {},
): RefObject<HTMLCanvasElement | null> {
  const store = useAppStore();
  const ref = useRef<HTMLCanvasElement>(null);
  const keyRef = useRef(keyOf);
  const drawRef = useRef(draw);
  const checkRef = useRef<() => void>(() => {});
  const immediate = options.immediate === true;
  useEffect(() => {
    keyRef.current = keyOf;
    drawRef.current = draw;
    checkRef.current();
  });
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    let raf = 0;
    let last: CanvasKey | null = null;
    const run = () => {
      raf = 0;
      const s = store.getState();
      const key = keyRef.current(s);
      if (sameKey(key, last)) return;
      last = key;
      drawRef.current(ctx, s, canvas);
    };
    const schedule = () => {
      if (immediate) run();
      else if (raf === 0 && !sameKey(keyRef.current(store.getState()), last)) raf = requestAnimationFrame(run);
    };
    run();
    checkRef.current = schedule;
    const unsubscribe = store.subscribe(schedule);
    return () => {
      checkRef.current = () => {};
      unsubscribe();
      if (raf !== 0) cancelAnimationFrame(raf);
    };
  }, [store, immediate]);
  return ref;
}
