/**
 * The view slice (head, selected sample, mask tint, explanations, presentation mode) and the notices: what the page shows,
 * with no run, engine or shared state involved beyond the notice counter.
 */
import type { StoreContext } from './context.ts';
import { AVAILABLE_HEADS, PRESENT_PANELS, type Actions, type Notice } from './state.ts';

/** Active notices kept at once (the oldest go first). */
export const NOTICE_LIMIT = 8;
/** Notices the session's log keeps (the oldest go first). */
export const NOTICE_LOG_LIMIT = 50;

export interface ViewParts {
  readonly actions: Pick<Actions, 'setHead' | 'selectSample' | 'setShowMask' | 'setExplain' | 'setPresent' | 'notify' | 'dismissNotice' | 'dismissAllNotices'>;
}

export function createViewActions(ctx: StoreContext): ViewParts {
  let noticeCounter = 0;
  const { get, set, patch } = ctx;

  const actions: ViewParts['actions'] = {
    // ---- view --------------------------------------------------------------------------------
    setHead(head) {
      if (!AVAILABLE_HEADS.includes(head)) return;
      patch('view', { head });
    },
    selectSample(sample) {
      const batch = get().trajectory.run?.batch ?? get().config.batch;
      if (!Number.isInteger(sample) || sample < 0 || sample >= batch) return;
      patch('view', { sample });
    },
    setShowMask(showMask) {
      patch('view', { showMask });
    },
    setExplain(explain) {
      patch('view', { explain });
    },
    setPresent(present) {
      if (present !== null && !PRESENT_PANELS.includes(present)) return;
      patch('view', { present });
    },

    // ---- notices -----------------------------------------------------------------------------
    notify(text, tone = 'info') {
      const notice: Notice = { id: ++noticeCounter, tone, text, at: Date.now() };
      set((s) => ({
        // The same message again replaces the active one (a repeated action does not stack copies).
        notices: [...s.notices.filter((n) => n.text !== text || n.tone !== tone), notice].slice(-NOTICE_LIMIT),
        noticeLog: [...s.noticeLog, notice].slice(-NOTICE_LOG_LIMIT),
      }));
    },
    dismissNotice(id) {
      set((s) => ({ notices: s.notices.filter((n) => n.id !== id) }));
    },
    dismissAllNotices() {
      if (get().notices.length > 0) set({ notices: [] });
    },
  };

  return { actions };
}
