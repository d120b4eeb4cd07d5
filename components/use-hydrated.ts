"use client";

import { useSyncExternalStore } from "react";

const subscribe = () => () => {};

/**
 * False in the server's HTML (and so for a browser without JavaScript), true once React runs in the browser: the
 * controls that only make sense with JavaScript, or only without it, are chosen with this.
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
}
