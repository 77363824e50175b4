/**
 * The run history as a small tree: every Generate adds a root, every branch a child of the run it
 * continues. Clicking a run shows it again from its kept frames (nothing is recomputed). *Branch from
 * step k* continues the run on screen from the frame shown with the settings now in the controls.
 */
import { branchChanges, treeOrder } from '../store/index.ts';
import { samplerLabel } from './labels.ts';
import { useActions, useApp } from './store-context.tsx';
import { Explain } from './teach/Explain.tsx';

function title(run: Parameters<typeof samplerLabel>[0] & { mode: string; steps: number; seed: number }): string {
  return `${run.mode} · ${samplerLabel(run)} · ${run.steps} steps · seed ${run.seed}`;
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
  const k = Math.min(frameIndex, Math.max(0, frameCount - 1));
  const canBranch = frameCount > 0 && status !== 'running' && mode !== 'classify' && configMode !== 'classify' && k < steps;
  const byId = new Map(nodes.map((n) => [n.runId, n]));
  return (
    <section className="panel history-panel" aria-labelledby="history-title">
      <h2 id="history-title">Runs and branches</h2>
      <button type="button" onClick={() => void branch()} disabled={!canBranch} data-testid="branch">
        Branch from step {k}
      </button>
      <Explain id="history">
        <p>
          Rewind to a step, change the seed, sampler, η, class, mask, label-head or drift guidance on the left, then branch: the new run keeps this run&apos;s
          frames up to step {k} and continues from the same z<sub>t</sub>. With the same settings and seed it retraces the parent exactly.
        </p>
      </Explain>
      {nodes.length === 0 ? (
        <p className="muted">Runs appear here as you generate them.</p>
      ) : (
        <ul className="history-tree" data-testid="history">
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
