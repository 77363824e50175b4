import { describe, expect, it } from 'vitest';
import { createAppStore } from './store.ts';
import { NOTICE_LIMIT, NOTICE_LOG_LIMIT } from './view-actions.ts';

const make = () => createAppStore({ memoryPollMs: 0, diceSeed: 1 });

describe('notices', () => {
  it('notify shows a notice and logs it; dismissing hides it and keeps the log', () => {
    const store = make();
    const { actions } = store.getState();
    actions.notify('steps = 1001 is out of range; using 1000.', 'warning');
    actions.notify('Copied.');
    let s = store.getState();
    expect(s.notices.map((n) => [n.text, n.tone])).toEqual([
      ['steps = 1001 is out of range; using 1000.', 'warning'],
      ['Copied.', 'info'],
    ]);
    expect(s.noticeLog).toEqual(s.notices);
    expect(s.notices[0]?.id).not.toBe(s.notices[1]?.id);
    expect(typeof s.notices[0]?.at).toBe('number');
    actions.dismissNotice(s.notices[0]?.id ?? -1);
    s = store.getState();
    expect(s.notices.map((n) => n.text)).toEqual(['Copied.']);
    expect(s.noticeLog).toHaveLength(2);
    actions.dismissAllNotices();
    expect(store.getState().notices).toEqual([]);
    expect(store.getState().noticeLog).toHaveLength(2);
  });

  it('the same message again replaces the active one; the log keeps both', () => {
    const store = make();
    const { actions } = store.getState();
    actions.notify('The engine failed.', 'error');
    actions.notify('The engine failed.', 'error');
    expect(store.getState().notices).toHaveLength(1);
    expect(store.getState().noticeLog).toHaveLength(2);
  });

  it('keeps at most NOTICE_LIMIT active and NOTICE_LOG_LIMIT logged notices, dropping the oldest', () => {
    const store = make();
    const { actions } = store.getState();
    for (let i = 0; i < NOTICE_LOG_LIMIT + 5; i++) actions.notify(`notice ${i}`);
    const s = store.getState();
    expect(s.notices).toHaveLength(NOTICE_LIMIT);
    expect(s.notices.at(-1)?.text).toBe(`notice ${NOTICE_LOG_LIMIT + 4}`);
    expect(s.noticeLog).toHaveLength(NOTICE_LOG_LIMIT);
    expect(s.noticeLog[0]?.text).toBe('notice 5');
  });
});
