export { jwtAuthorizer } from './jwtAuthorizer.js';
export {
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  type JwtAuthorizerOptions,
  type JwtTokenSource,
} from './jwtAuthorizerOptions.js';
