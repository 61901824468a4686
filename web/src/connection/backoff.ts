// Reconnect delays: exponential, capped, with jitter (between half the base and the ceiling), so a
// restarted server is not hit by every client at the same instant.
export interface BackoffOptions {
  baseMs: number
  maxMs: number
}

export const defaultBackoff: BackoffOptions = { baseMs: 500, maxMs: 30_000 }

// Delay before reconnect attempt number `attempt` (0 for the first retry). `random` is in [0, 1).
export function reconnectDelay(
  attempt: number,
  random: number,
  opts: BackoffOptions = defaultBackoff,
): number {
  const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(attempt, 30))
  return Math.round(opts.baseMs / 2 + random * (ceiling - opts.baseMs / 2))
}
