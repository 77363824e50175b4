/**
 * Short explanations written for a student, beside the views they explain. One switch (in the header)
 * hides them all for a clean demo; the choice is in the URL (`explain=0`).
 */
import type { ReactNode } from 'react';
import { useActions, useApp } from '../store-context.tsx';

export function Explain({ children, id }: { children: ReactNode; id?: string }) {
  const explain = useApp((s) => s.view.explain);
  if (!explain) return null;
  return (
    <div className="explain" data-testid={id ? `explain-${id}` : 'explain'}>
      {children}
    </div>
  );
}

export function ExplainToggle() {
  const explain = useApp((s) => s.view.explain);
  const { setExplain } = useActions();
  return (
    <label className="inline-check explain-toggle">
      <input type="checkbox" checked={explain} onChange={(e) => setExplain(e.target.checked)} data-testid="explain-toggle" />
      Explanations
    </label>
  );
}
