/**
 * Which decoder head the canvas draws. A radio group (arrow keys move within it, as for tabs): switching
 * changes only the view, never the trajectory. The representation head is drawn as a map.
 */
import { HEADS, type Head } from '../store/index.ts';
import { HEAD_INFO } from './labels.ts';
import { useActions, useApp } from './store-context.tsx';

export function HeadSwitcher() {
  const head = useApp((s) => s.view.head);
  const { setHead } = useActions();
  return (
    <fieldset className="panel head-switcher">
      <legend>Decoder head</legend>
      <div className="segmented" role="radiogroup" aria-label="Decoder head">
        {HEADS.map((h: Head) => {
          const info = HEAD_INFO[h];
          return (
            <label key={h} className={info.soon ? 'soon' : undefined} title={info.soon ? 'Coming soon' : info.description}>
              <input
                type="radio"
                name="head"
                value={h}
                checked={head === h}
                disabled={info.soon === true}
                onChange={() => setHead(h)}
                data-testid={`head-${h}`}
              />
              <span>
                {info.tab}
                {info.soon ? <small> (soon)</small> : null}
              </span>
            </label>
          );
        })}
      </div>
    </fieldset>
  );
}
