/**
 * A side panel the user can fold to its heading (to keep the canvas and player in view). It wraps a
 * panel component as it is: the fold button sits on the panel's heading row, and CSS hides everything
 * but the heading while folded (.foldable.folded). The choice is remembered per panel (localStorage).
 */
import { useState, type ReactNode } from 'react';

const STORAGE_PREFIX = 'mtd-fold:';

function readFolded(id: string): boolean {
  try {
    return globalThis.localStorage?.getItem(STORAGE_PREFIX + id) === '1';
  } catch {
    return false; // storage blocked: every panel starts open
  }
}

function writeFolded(id: string, folded: boolean): void {
  try {
    globalThis.localStorage?.setItem(STORAGE_PREFIX + id, folded ? '1' : '0');
  } catch {
    // storage blocked: the fold lasts for this page only
  }
}

export function Foldable({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  const [folded, setFolded] = useState(() => readFolded(id));
  const toggle = () => {
    setFolded(!folded);
    writeFolded(id, !folded);
  };
  return (
    <div className={`foldable${folded ? ' folded' : ''}`} data-testid={`fold-${id}`}>
      <button
        type="button"
        className="fold-button"
        aria-expanded={!folded}
        aria-label={`${folded ? 'Unfold' : 'Fold'} ${title}`}
        title={folded ? `Show ${title}` : `Fold ${title} to its heading`}
        onClick={toggle}
        data-testid={`fold-${id}-button`}
      >
        {folded ? '▸' : '▾'}
      </button>
      {children}
    </div>
  );
}
