import { useEffect, useState } from 'react';

export type Route = { page: 'start' } | { page: 'editor'; graphId: string };

export function parseRoute(hash: string): Route {
  const match = /^#\/g\/([A-Za-z0-9_-]{1,64})$/.exec(hash);
  return match ? { page: 'editor', graphId: match[1]! } : { page: 'start' };
}

export const navigate = (route: Route) => {
  window.location.hash = route.page === 'editor' ? `/g/${route.graphId}` : '/';
};

/** Hash routing: a reload or a shared link reopens the same graph. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
