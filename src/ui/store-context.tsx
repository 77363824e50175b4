/** The app store in React: one provider, and hooks that select single fields (zustand `useStore`). */
import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { Actions, AppState, AppStore } from '../store/index.ts';

const StoreContext = createContext<AppStore | null>(null);

export function StoreProvider({ store, children }: { store: AppStore; children: ReactNode }) {
  return <StoreContext.Provider value={store}>{children}</StoreContext.Provider>;
}

export function useAppStore(): AppStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useAppStore: no <StoreProvider> above this component');
  return store;
}

/** Selects one field (or a value derived from one); re-renders only when it changes (Object.is). */
export function useApp<T>(selector: (state: AppState) => T): T {
  return useStore(useAppStore(), selector);
}

/** The store's actions (a stable object). */
export function useActions(): Actions {
  return useStore(useAppStore(), (s) => s.actions);
}
