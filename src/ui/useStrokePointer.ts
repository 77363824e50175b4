/**
 * Pointer handlers that turn a drag on a square editor canvas into strokes in model pixels: one undo step
 * per drag (actions.beginStroke), then strokeTo(previous point, current point) for every move. Shared by
 * the mask editor and the sketch editor, which differ only in what a stroke paints.
 */
import { useRef, type PointerEvent as ReactPointerEvent } from 'react';
import type { Point } from '../store/index.ts';
import { useAppStore } from './store-context.tsx';

type CanvasPointer = ReactPointerEvent<HTMLCanvasElement>;

export interface StrokePointerHandlers {
  readonly onPointerDown: (e: CanvasPointer) => void;
  readonly onPointerMove: (e: CanvasPointer) => void;
  readonly onPointerUp: () => void;
  readonly onPointerCancel: () => void;
}

/** `side`: model pixels across the canvas; `strokeTo`: the store action that paints a segment; `enabled`: false ignores presses. */
export function useStrokePointer(side: number, strokeTo: (a: Point, b: Point) => void, enabled = true): StrokePointerHandlers {
  const store = useAppStore();
  const last = useRef<Point | null>(null);
  const toPoint = (e: CanvasPointer): Point => {
    const r = e.currentTarget.getBoundingClientRect();
    return { x: ((e.clientX - r.left) / r.width) * side, y: ((e.clientY - r.top) / r.height) * side };
  };
  const release = (): void => {
    last.current = null;
  };
  return {
    onPointerDown(e) {
      if (!enabled) return;
      e.currentTarget.setPointerCapture(e.pointerId);
      const p = toPoint(e);
      last.current = p;
      store.getState().actions.beginStroke();
      strokeTo(p, p);
    },
    onPointerMove(e) {
      if (!last.current) return;
      const p = toPoint(e);
      strokeTo(last.current, p);
      last.current = p;
    },
    onPointerUp: release,
    onPointerCancel: release,
  };
}
