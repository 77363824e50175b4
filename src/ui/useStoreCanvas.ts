/**
 * A canvas drawn from `store.subscribe`, outside React renders (like Viewer's): `keyOf` names everything
 * the drawing depends on, and `draw` runs on the next animation frame after the key changes.
 */
import { useEffect, useRef, type RefObject } from 'react';
import type { AppState } from '../store/index.ts';
import { useAppStore } from './store-context.tsx';

export function useStoreCanvas(
  keyOf: (s: AppState) => string,
  draw: (ctx: CanvasRenderingContext2D, s: AppState, canvas: HTMLCanvasElement) => void,
): RefObject<HTMLCanvasElement | null> {
  const store = useAppStore();
  const ref = useRef<HTMLCanvasElement>(null);
  const keyRef = useRef(keyOf);
  const drawRef = useRef(draw);
  useEffect(() => {
    keyRef.current = keyOf;
    drawRef.current = draw;
  });
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    let raf = 0;
    let last: string | null = null;
    const run = () => {
      raf = 0;
      const s = store.getState();
      const key = keyRef.current(s);
      if (key === last) return;
      last = key;
      drawRef.current(ctx, s, canvas);
    };
    const schedule = () => {
      if (raf === 0 && keyRef.current(store.getState()) !== last) raf = requestAnimationFrame(run);
    };
    run();
    const unsubscribe = store.subscribe(schedule);
    return () => {
      unsubscribe();
      if (raf !== 0) cancelAnimationFrame(raf);
    };
  }, [store]);
  return ref;
}
