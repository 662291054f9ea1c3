// The query cache (TanStack Query): every read of the API goes through it, so pages that show the
// same data share one request and one answer, a page opened again shows what it had while it
// refreshes, and a write refreshes exactly the reads the endpoint table says it makes stale.

import {
  keepPreviousData,
  QueryClient,
  useInfiniteQuery,
  useQuery,
  type InfiniteData,
  type QueryKey,
  type UseInfiniteQueryResult,
  type UseQueryResult,
} from "@tanstack/react-query";
import { send } from "../api/client";
import type {
  AnyEndpoint,
  ArgsOf,
  ArgsTuple,
  QueryOf,
  QueryParams,
  QueryValue,
  ReadEndpoint,
  RequestArgs,
  ResponseOf,
  WriteEndpoint,
} from "../api/endpoint";

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // Writes and live notifications refresh what they change; within this time a page opened
      // again shows its data without asking.
      staleTime: 30_000,
      // An error shows at once with "Try again", as it always did, not after silent retries.
      retry: false,
      // A new filter or page keeps the previous rows on screen until its answer arrives.
      placeholderData: keepPreviousData,
    },
  },
});

function definedQuery(query: QueryParams | undefined): QueryParams | null {
  if (!query) return null;
  const entries = Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== "");
  return entries.length ? Object.fromEntries(entries) : null;
}

/**
 * A read's cache key: its path below /api/ as segments, parameters filled in, then its query
 * (what the URL carries). A key is a prefix of the keys of the paths under it.
 */
export function apiKey<E extends AnyEndpoint>(endpoint: E, ...args: NoInfer<ArgsTuple<E>>): QueryKey;
export function apiKey(endpoint: AnyEndpoint, args: RequestArgs = {}): QueryKey {
  const key: unknown[] = endpoint.path
    .replace(/^\/api\//, "")
    .split("/")
    .map((segment) => (segment.startsWith(":") ? String(args.params?.[segment.slice(1)]) : segment));
  const query = definedQuery(args.query);
  if (query) key.push(query);
  return key;
}

/** Reads `endpoint` through the cache. */
export function useApiQuery<E extends ReadEndpoint>(
  endpoint: E,
  ...args: NoInfer<ArgsTuple<E>>
): UseQueryResult<ResponseOf<E>>;
export function useApiQuery(endpoint: ReadEndpoint, args: RequestArgs = {}): UseQueryResult<unknown> {
  return useQuery({
    queryKey: apiKey(endpoint, args),
    queryFn: ({ signal }) => send(endpoint, args, { signal }),
  });
}

/**
 * Reads a list a page at a time: `args` without the cursor, the query parameter `cursor` that
 * pages (`before_id`, `offset`), absent on the first page, and `next`, the cursor of the page
 * after `last` or `null` at the end. The pages share one cache entry: a refresh refetches them all.
 * `allowed`, when given, says whether the caller may still read it (from the cache).
 */
export function useApiInfiniteQuery<E extends ReadEndpoint, K extends keyof QueryOf<E> & string>(
  endpoint: E,
  args: NoInfer<ArgsOf<E>>,
  cursor: K,
  next: (last: ResponseOf<E>, pages: ResponseOf<E>[]) => QueryOf<E>[K] | null,
  allowed?: () => boolean,
): UseInfiniteQueryResult<InfiniteData<ResponseOf<E>, QueryOf<E>[K] | null>>;
export function useApiInfiniteQuery(
  endpoint: ReadEndpoint,
  args: RequestArgs,
  cursor: string,
  next: (last: unknown, pages: unknown[]) => QueryValue,
  allowed?: () => boolean,
): UseInfiniteQueryResult<InfiniteData<unknown, QueryValue>> {
  return useInfiniteQuery<unknown, Error, InfiniteData<unknown, QueryValue>, QueryKey, QueryValue>({
    queryKey: apiKey(endpoint, args),
    // Asked each time the read would be fetched, so a refresh sees what the reads before it changed.
    enabled: allowed ? () => allowed() : true,
    initialPageParam: null,
    queryFn: ({ pageParam, signal }) =>
      send(endpoint, { ...args, query: { ...args.query, [cursor]: pageParam } }, { signal }),
    getNextPageParam: (last, pages) => next(last, pages) ?? null,
  });
}

/**
 * Sends a write, then refreshes the reads its endpoint makes stale (filled in with the write's
 * path parameters) and waits for the ones on screen, so the page shows the change when this
 * resolves. They refresh after a failure too: a refused write often means the page was out of
 * date. Reads the write deletes are dropped instead.
 */
export function mutate<E extends WriteEndpoint>(endpoint: E, ...args: NoInfer<ArgsTuple<E>>): Promise<ResponseOf<E>>;
export async function mutate(endpoint: WriteEndpoint, args: RequestArgs = {}): Promise<unknown> {
  const params = { params: args.params };
  try {
    const result = await send(endpoint, args);
    for (const read of endpoint.removed) queryClient.removeQueries({ queryKey: apiKey(read, params) });
    return result;
  } finally {
    await refresh(endpoint.stale.map((read) => apiKey(read, params)));
  }
}

/**
 * Marks every read under `keys` stale and refetches the ones on screen, a path before the paths
 * under it: a group before its member list, so a member list the caller may no longer read (they
 * just left) is not asked for.
 */
async function refresh(keys: QueryKey[]): Promise<void> {
  await Promise.all(keys.map((queryKey) => queryClient.invalidateQueries({ queryKey, refetchType: "none" })));
  const byDepth = new Map<number, Map<string, QueryKey>>();
  for (const queryKey of keys) {
    for (const query of queryClient.getQueryCache().findAll({ queryKey, type: "active" })) {
      const level = byDepth.get(query.queryKey.length) ?? new Map<string, QueryKey>();
      level.set(query.queryHash, query.queryKey);
      byDepth.set(query.queryKey.length, level);
    }
  }
  for (const depth of [...byDepth.keys()].sort((a, b) => a - b)) {
    await Promise.all(
      [...(byDepth.get(depth)?.values() ?? [])].map((queryKey) =>
        queryClient.refetchQueries({ queryKey, exact: true, type: "active" }, { throwOnError: false }),
      ),
    );
  }
}

/** Refreshes a read and everything under it (after a live notification says it changed). */
export function invalidate<E extends ReadEndpoint>(endpoint: E, ...args: NoInfer<ArgsTuple<E>>): Promise<void>;
export function invalidate(endpoint: ReadEndpoint, args: RequestArgs = {}): Promise<void> {
  return refresh([apiKey(endpoint, args)]);
}
