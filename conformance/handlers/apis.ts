/**
 * The two WebSocket APIs the conformance suite talks to, as route keys: one source for the CDK stack
 * (conformance/infra) and the local target (conformance/target.ts), so both integrate the same
 * routes and give route responses on the same ones.
 */
export interface ConformanceApi {
  /** Every route key integrated with the conformance handler. */
  routes: readonly string[];
  /** The route keys with a route response (`returnResponse: true`): only their bodies reach the client. */
  routeResponses: readonly string[];
}

/**
 * The main API. `fail` and `silent` have no route response on purpose: an integration error still
 * reaches the client as an error frame, and a returned body without a route response never does.
 */
export const MAIN_API = {
  routes: ['$connect', '$disconnect', '$default', 'echo', 'whoami', 'measure', 'fail', 'silent'],
  routeResponses: ['$default', 'echo', 'whoami', 'measure'],
} as const satisfies ConformanceApi;

/** An API without `$default`: a message no route matches is answered with the Forbidden frame. */
export const NO_DEFAULT_API = {
  routes: ['$connect', 'whoami'],
  routeResponses: ['whoami'],
} as const satisfies ConformanceApi;

/** Both APIs select routes the usual way. */
export const ROUTE_SELECTION_EXPRESSION = '$request.body.action';
