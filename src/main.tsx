import { StrictMode, startTransition } from 'react';
import { createRoot } from 'react-dom/client';
import { createEngine } from './engine/client.ts';
import { createAppStore, parseModelParam, syncWithHash } from './store/index.ts';
import { App } from './ui/App.tsx';
import './ui/styles.css';
import './ui/layout.css';
import './ui/runs.css';

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root element');

// The composition root: the store gets the real engine (a comlink client over the inference worker).
// `?model=path/`: a model served with the app instead of the bundled one (same origin only).
const fromLink = parseModelParam(window.location.search, window.location.href);
const store = createAppStore({ engine: () => createEngine(), ...(fromLink !== null && typeof fromLink === 'object' ? { model: fromLink } : {}) });
if (typeof fromLink === 'string') store.getState().actions.notify(fromLink, 'warning');
// The run config and head live in the URL hash: a shared link reproduces the run.
syncWithHash(store, window.location, (hash) => history.replaceState(null, '', hash));

// A read-only handle for debugging in the console and for the browser tests: the state, and frames by index.
Object.defineProperty(window, 'mtdPlayground', {
  value: Object.freeze({ getState: () => store.getState(), getFrame: (i: number) => store.getState().actions.getFrame(i) }),
});

// Offline after the first visit: the build's service worker (tools/service-worker.ts) caches the app and
// the weights under versioned names. Not in development (it would serve stale modules to HMR).
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register(`${import.meta.env.BASE_URL}sw.js`).catch((e: unknown) => {
      console.warn('offline support is unavailable: the service worker did not register', e);
    });
  });
}

// The first render builds the whole page (~300 ms of main-thread work on a slow machine). As a transition
// React renders it in slices and lets the browser breathe between them instead of one long task.
const root = createRoot(container);
startTransition(() => {
  root.render(
    <StrictMode>
      <App store={store} />
    </StrictMode>,
  );
});
