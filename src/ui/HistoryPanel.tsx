/**
 * The run history as a small tree: every Generate adds a root, every branch a child of the run it
 * continues. Clicking a run shows it again from its kept frames (nothing is recomputed). *Branch from
 * step k* continues the run on screen from the frame shown with the settings now in the controls. When those
 * settings would retrace the parent exactly (nothing changed, or only the seed under deterministic DDIM), a
 * note says so before branching and offers what does change the branch.
 */
import { useEffect, useRef } from 'react';
import { branchChanges, branchRetraces, treeOrder } from '../store/index.ts';
import { useActions, useApp } from './store-context.tsx';
import { Explain } from './teach/Explain.tsx';

function title(run: { mode: string; sampler: string; eta: number; steps: number; seed: number }): string {
  const sampler = run.sampler === 'ddim' ? `DDIM η=${run.eta}` : 'DDPM';
  return `${run.mode} · ${sampler} · ${run.steps} steps · seed ${run.seed}`;
}

/** The note shown when a branch with the settings now in the controls would retrace its parent exactly. */
function RetraceNote({ k }: { k: number }) {
  const retraces = useApp((s) => (s.trajectory.run ? branchRetraces(s.trajectory.run, s.config, s.editor.mask) : null));
  const mode = useApp((s) => s.config.mode);
  const { setConfig } = useActions();
  if (retraces === null) return null;
  const others = ['the class (class-conditional)', 'the mask (inpainting)', 'label-head or drift guidance'].filter(
    (o) => (o.includes('class') ? mode === 'conditional' : o.includes('mask') ? mode === 'inpaint' : true),
  );
  return (
    <div className="run-note" role="note" data-testid="branch-no-effect" data-reason={retraces}>
      {retraces === 'seed' ? (
        <p>
          Only the seed changed, and it would do nothing here: DDIM with η = 0 uses the seed only to draw the starting noise z<sub>T</sub>.
          From z<sub>{k}</sub> on every step is deterministic, so this branch would retrace its parent exactly.
        </p>
      ) : (
        <p>Nothing that the run reads has changed yet: this branch would retrace its parent exactly from step {k}.</p>
      )}
      <p className="small">What does change a branch: fresh noise at every step (η &gt; 0 or DDPM, then the seed matters), {others.join(', ')}.</p>
      <div className="note-actions">
        <button type="button" onClick={() => setConfig({ sampler: 'ddim', eta: 0.5 })} data-testid="branch-eta">
          Use DDIM η = 0.5
        </button>
        <button type="button" onClick={() => setConfig({ sampler: 'ddpm' })} data-testid="branch-ddpm">
          Use DDPM
        </button>
      </div>
    </div>
  );
}

export function HistoryPanel() {
  const nodes = useApp((s) => s.history.nodes);
  const active = useApp((s) => s.trajectory.runId);
  const status = useApp((s) => s.trajectory.status);
  const mode = useApp((s) => s.trajectory.run?.mode);
  const configMode = useApp((s) => s.config.mode);
  const frameIndex = useApp((s) => s.player.frameIndex);
  const frameCount = useApp((s) => s.trajectory.frameCount);
  const steps = useApp((s) => s.trajectory.run?.steps ?? 0);
  const { branch, openRun } = useActions();
  const list = useRef<HTMLUListElement>(null);
  // Keep the run on screen in sight inside the list (the list scrolls, never the page).
  useEffect(() => {
    const ul = list.current;
    const item = ul?.querySelector<HTMLElement>('[aria-current="true"]');
    if (!ul || !item) return;
    const top = item.getBoundingClientRect().top - ul.getBoundingClientRect().top + ul.scrollTop;
    if (top < ul.scrollTop || top + item.offsetHeight > ul.scrollTop + ul.clientHeight) ul.scrollTop = Math.max(0, top - ul.clientHeight / 2);
  }, [active, nodes.length]);
  const k = Math.min(frameIndex, Math.max(0, frameCount - 1));
  const canBranch = frameCount > 0 && status !== 'running' && mode !== 'classify' && configMode !== 'classify' && k < steps;
  const byId = new Map(nodes.map((n) => [n.runId, n]));
  return (
    <section className="panel history-panel" aria-labelledby="history-title">
      <h2 id="history-title">Runs and branches</h2>
      <button type="button" onClick={() => void branch()} disabled={!canBranch} data-testid="branch">
        Branch from step {k}
      </button>
      {canBranch && <RetraceNote k={k} />}
      <Explain id="history">
        <p>
          Rewind to a step, change the sampler, η, class, mask, label-head or drift guidance on the left, then branch: the new run keeps this
          run&apos;s frames up to step {k} and continues from the same z<sub>t</sub>. A new seed matters only where a step draws fresh noise
          (DDPM, DDIM with η &gt; 0, inpainting&apos;s paste). With the same settings it retraces the parent exactly.
        </p>
      </Explain>
      {nodes.length === 0 ? (
        <p className="muted">Runs appear here as you generate them.</p>
      ) : (
        <ul className="history-tree" data-testid="history" ref={list}>
          {treeOrder(nodes).map(({ node, depth }) => {
            const parent = node.parentId ? byId.get(node.parentId) : undefined;
            return (
              <li key={node.runId} style={{ paddingLeft: `${depth * 14}px` }}>
                <button
                  type="button"
                  className={node.runId === active ? 'history-item active' : 'history-item'}
                  aria-current={node.runId === active ? 'true' : undefined}
                  onClick={() => openRun(node.runId)}
                  data-testid={`history-${node.runId}`}
                  data-parent={node.parentId ?? ''}
                >
                  {parent ? `↳ from step ${node.fromStep}: ${branchChanges(parent.summary, node.summary)}` : title(node.summary)}
                  <span className="muted"> · {node.status === 'running' ? 'running' : `${node.frameCount} frames`}</span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
