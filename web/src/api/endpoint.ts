// How an API endpoint is declared: its method, its path with `:name` parameters, and, as types
// only, its query, body and response. `endpoints.ts` holds the table; `client.ts` sends requests
// from it and `lib/query.ts` caches what they read. A call site names an endpoint and passes what
// it needs, so a wrong path, parameter, query or body is a type error.

export type Method = "GET" | "POST" | "PATCH" | "DELETE";

/** The `:name` parameters of a path pattern, as a union of names (`never` without any). */
export type ParamName<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | ParamName<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? Name
    : never;

export type PathValue = string | number;
/** Query values; `null`, `undefined` and `""` are left out of the URL. */
export type QueryValue = string | number | boolean | null | undefined;
export type QueryParams = Readonly<Record<string, QueryValue>>;

/**
 * The loose shape every endpoint's arguments have. Implementations work with it; the typed
 * signatures in front of them (`ArgsOf`) say what one endpoint accepts.
 */
export interface RequestArgs {
  readonly params?: Readonly<Record<string, PathValue>>;
  readonly query?: QueryParams;
  readonly body?: unknown;
}

/** What the type checker knows about an endpoint; never set at run time. */
interface Types<P extends string, B, Q, R> {
  readonly params: ParamName<P>;
  readonly body: B;
  readonly query: Q;
  readonly response: R;
}

/** Any endpoint (the widest shape, for generic constraints). */
export interface AnyEndpoint {
  readonly method: Method;
  readonly path: string;
  readonly stale: readonly ReadEndpoint[];
  readonly removed: readonly ReadEndpoint[];
  readonly types?: {
    readonly params: string;
    readonly body: unknown;
    readonly query: unknown;
    readonly response: unknown;
  };
}

/** An endpoint that reads: what the query cache holds, and what writes make stale. */
export interface ReadEndpoint extends AnyEndpoint {
  readonly method: "GET";
}

/** An endpoint that changes something. */
export interface WriteEndpoint extends AnyEndpoint {
  readonly method: Exclude<Method, "GET">;
}

/** Reads whose path parameters are all among path `P`'s: the write's own values fill them in. */
type Within<P extends string> = ReadEndpoint & { readonly types?: { readonly params: ParamName<P> } };

export class Endpoint<M extends Method, P extends string, B, Q, R> {
  declare readonly types?: Types<P, B, Q, R>;

  constructor(
    readonly method: M,
    readonly path: P,
    /** Reads this write makes stale: their keys and everything under them refetch after it. */
    readonly stale: readonly ReadEndpoint[] = [],
    /** Reads this write deletes: dropped from the cache instead of refetched (a refetch would 404). */
    readonly removed: readonly ReadEndpoint[] = [],
  ) {}

  /**
   * After this write, `reads` (filled in with its path parameters) refetch, after a refusal too:
   * one often means the page was out of date.
   */
  invalidates(...reads: Within<P>[]): Endpoint<M, P, B, Q, R> {
    return new Endpoint<M, P, B, Q, R>(this.method, this.path, reads, this.removed);
  }

  /** After this write succeeds, `reads` are dropped from the cache: what they read is gone. */
  removes(...reads: Within<P>[]): Endpoint<M, P, B, Q, R> {
    return new Endpoint<M, P, B, Q, R>(this.method, this.path, this.stale, reads);
  }
}

/** An endpoint being declared: `.query<Q>()` and `.body<B>()` as needed, then `.returns<R>()`. */
class Draft<M extends Method, P extends string, B, Q> {
  constructor(
    readonly method: M,
    readonly path: P,
  ) {}

  query<T extends QueryParams>(): Draft<M, P, B, T> {
    return new Draft<M, P, B, T>(this.method, this.path);
  }

  body<T>(): Draft<M, P, T, Q> {
    return new Draft<M, P, T, Q>(this.method, this.path);
  }

  returns<R>(): Endpoint<M, P, B, Q, R> {
    return new Endpoint<M, P, B, Q, R>(this.method, this.path);
  }
}

export const get = <const P extends string>(path: P) => new Draft<"GET", P, undefined, undefined>("GET", path);
export const post = <const P extends string>(path: P) => new Draft<"POST", P, undefined, undefined>("POST", path);
export const patch = <const P extends string>(path: P) => new Draft<"PATCH", P, undefined, undefined>("PATCH", path);
export const del = <const P extends string>(path: P) => new Draft<"DELETE", P, undefined, undefined>("DELETE", path);

/**
 * An address the browser opens itself, not a JSON endpoint: the SSO's login, link and grant steps
 * (it follows their redirects) and the notification socket. `href()` gives its URL.
 */
export class Navigation<P extends string, Q> {
  declare readonly types?: { readonly params: ParamName<P>; readonly query: Q };

  constructor(readonly path: P) {}

  query<T extends QueryParams>(): Navigation<P, T> {
    return new Navigation<P, T>(this.path);
  }
}

/** Any navigation (the widest shape, for generic constraints). */
export interface AnyNavigation {
  readonly path: string;
  readonly types?: { readonly params: string; readonly query: unknown };
}

export const navigation = <const P extends string>(path: P) => new Navigation<P, undefined>(path);

// ---- what a call site passes and gets ----

type PathOf<E> = E extends { readonly path: infer P extends string } ? P : never;
type TypesOf<E> = E extends { readonly types?: infer T } ? NonNullable<T> : never;
export type ResponseOf<E> = E extends { readonly types?: { readonly response: infer R } } ? R : unknown;
export type QueryOf<E> = TypesOf<E> extends { readonly query: infer Q } ? Q : never;
type BodyOf<E> = TypesOf<E> extends { readonly body: infer B } ? B : undefined;

// The widest endpoint (`AnyEndpoint`: any path, unknown query and body) takes the loose
// `RequestArgs`; a declared one takes exactly what it declares.
type ParamsArg<P extends string> = string extends P
  ? { readonly params?: Readonly<Record<string, PathValue>> }
  : [ParamName<P>] extends [never]
    ? { readonly params?: undefined }
    : { readonly params: Readonly<Record<ParamName<P>, PathValue>> };
type QueryArg<Q> = unknown extends Q
  ? { readonly query?: QueryParams }
  : [Q] extends [undefined]
    ? { readonly query?: undefined }
    : {} extends Q
      ? { readonly query?: Q }
      : { readonly query: Q };
type BodyArg<B> = unknown extends B
  ? { readonly body?: unknown }
  : [B] extends [undefined]
    ? { readonly body?: undefined }
    : { readonly body: B };

/** The arguments of endpoint `E`: its path parameters, query and body, each only when it has them. */
export type ArgsOf<E> = ParamsArg<PathOf<E>> & QueryArg<QueryOf<E>> & BodyArg<BodyOf<E>>;

/** The arguments as a rest tuple: optional when nothing in them is required. */
export type ArgsTuple<E> = {} extends ArgsOf<E> ? [args?: ArgsOf<E>] : [args: ArgsOf<E>];
