/**
 * Which decoder head the canvas draws. A radio group (arrow keys move within it, as for tabs): switching
 * changes only the view, never the trajectory. The representation head is drawn as a map.
 */
import { HEADS, type Head } from '../store/index.ts';
import { HEAD_INFO } from './labels.ts';
import { useActions, useApp } from './store-context.tsx';

export function HeadSwitcher() {
  const head = useApp((s) => s.view.head);
  // x̂₀ is the masked-image head's (clipped, guided) by default: the x̂₀ and Masked buttons say where it comes from.
  const x0From = useApp((s) => s.trajectory.run?.x0From ?? s.config.x0From);
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
                {h === 'x0' ? <small data-testid="x0-source"> ← {x0From === 'masked' ? 'masked head' : 'ε head'}</small> : null}
                {h === 'masked' && x0From === 'masked' ? <small> (drives x̂₀)</small> : null}
                {info.soon ? <small> (soon)</small> : null}
              </span>
            </label>
          );
        })}
      </div>
    </fieldset>
  );
}
