/**
 * The wait before reconnect attempt `attempt` (0 for the first): exponential backoff with full
 * jitter, a random time between 0 and `initialDelayMs * 2^attempt` capped at `maxDelayMs`. Full
 * jitter spreads the clients a server restart dropped all at once, where equal waits would bring
 * them back together (AWS Architecture Blog, "Exponential Backoff And Jitter").
 */
export function backoff(
  attempt: number,
  initialDelayMs: number,
  maxDelayMs: number,
  random: () => number = Math.random,
): number {
  return Math.floor(random() * Math.min(maxDelayMs, initialDelayMs * 2 ** attempt));
}
