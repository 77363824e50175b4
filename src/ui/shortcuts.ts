/**
 * The page's keyboard shortcuts, in one table (KEY_HINTS, which the hint under the player and the
 * presentation bar print) and one window listener (useShortcuts). The keys work wherever focus is,
 * except where the focused control needs the key itself (keyBelongsToControl): text fields, selects,
 * the arrows of other sliders, and, when reached with the keyboard, Space/Enter on buttons and the
 * arrows of radio groups. A control that was clicked gives Space and the arrows to the player.
 */
import { useEffect } from 'react';
import { HEADS, PRESENT_PANELS, type AppStore, type PresentPanel } from '../store/index.ts';

/** What the hint shows, in order: the keys, and what they do. `present` rows apply in presentation mode only. */
export const KEY_HINTS: readonly { readonly keys: readonly string[]; readonly does: string; readonly present?: true }[] = [
  { keys: ['Space'], does: 'play/pause' },
  { keys: ['←', '→'], does: 'step' },
  { keys: ['Home', 'End'], does: 'first/last frame' },
  { keys: ['1', '7'], does: 'head' },
  { keys: ['P'], does: 'presentation' },
  { keys: PRESENT_PANELS.map((p) => p[0]!.toUpperCase()), does: 'panel', present: true },
  { keys: ['Esc'], does: 'leave', present: true },
];

/** Presentation mode's panel keys (first letter of each panel). */
export const PANEL_KEYS: Readonly<Record<string, PresentPanel>> = Object.fromEntries(PRESENT_PANELS.map((p) => [p[0]!, p]));

/** Input types that take typed text: every key belongs to them. */
const NON_TEXT_INPUTS = new Set(['range', 'radio', 'checkbox', 'button', 'submit', 'reset', 'color', 'file', 'image']);
const ARROWS = new Set(['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Home', 'End', 'PageUp', 'PageDown']);

/**
 * Whether the focused element `target` needs `key` itself (then the page's shortcut does nothing).
 * `keyboardFocus`: the focus came from the keyboard (Tab), not from a click or a tap.
 */
export function keyBelongsToControl(target: Element | null, key: string, keyboardFocus: boolean): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT') return true;
  if (target instanceof HTMLInputElement) {
    const type = target.type;
    if (!NON_TEXT_INPUTS.has(type)) return true; // text, number, search…
    if (type === 'range') return target.dataset['testid'] !== 'scrubber' && ARROWS.has(key);
    if (type === 'radio') return keyboardFocus && (ARROWS.has(key) || key === ' ');
    return keyboardFocus && (key === ' ' || key === 'Enter');
  }
  // Buttons, links, summaries: Space and Enter press them when reached with the keyboard.
  if (target.matches('button, a[href], summary, [role="button"]')) return key === 'Enter' || (keyboardFocus && key === ' ');
  return false;
}

/** The player's, the heads' and presentation mode's keys, on the window. */
export function useShortcuts(store: AppStore): void {
  useEffect(() => {
    // Space on a clicked button: the keydown is ours, and so is its keyup (which would press the button).
    let ownSpace = false;
    // How the focus got where it is: a pointer press, or the keyboard (Tab moves it).
    let byPointer = false;
    const onPointerDown = () => {
      byPointer = true;
    };
    const onKeyDown = (e: KeyboardEvent) => {
      if (e.key === 'Tab') byPointer = false;
      if (e.defaultPrevented || e.altKey || e.metaKey || e.ctrlKey) return;
      if (keyBelongsToControl(document.activeElement, e.key, !byPointer)) return;
      const { actions, trajectory, view } = store.getState();
      const frames = trajectory.frameCount > 0;
      const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
      const head = /^[1-9]$/.test(key) ? HEADS[Number(key) - 1] : undefined;
      if (key === ' ' && frames) {
        actions.togglePlay();
        ownSpace = true;
      } else if (key === 'ArrowLeft' && frames) actions.stepBy(-1);
      else if (key === 'ArrowRight' && frames) actions.stepBy(1);
      else if (key === 'Home' && frames) actions.jumpToStart();
      else if (key === 'End' && frames) actions.jumpToEnd();
      else if (head) actions.setHead(head);
      else if (key === 'p') actions.setPresent(view.present === null ? 'label' : null);
      else if (key === 'Escape' && view.present !== null) actions.setPresent(null);
      else if (view.present !== null && PANEL_KEYS[key]) actions.setPresent(PANEL_KEYS[key]);
      else return;
      e.preventDefault();
    };
    const onKeyUp = (e: KeyboardEvent) => {
      if (e.key === ' ' && ownSpace) {
        ownSpace = false;
        e.preventDefault();
      }
    };
    window.addEventListener('pointerdown', onPointerDown, true);
    window.addEventListener('keydown', onKeyDown);
    window.addEventListener('keyup', onKeyUp);
    return () => {
      window.removeEventListener('pointerdown', onPointerDown, true);
      window.removeEventListener('keydown', onKeyDown);
      window.removeEventListener('keyup', onKeyUp);
    };
  }, [store]);
}
