/**
 * A child signal that aborts when any of the given ones does, and a dispose that removes its listeners.
 * Libraries that add abort listeners and never take them off (HTTP clients, stream helpers) add them
 * to the child, which is dropped after one deploy.
 * AbortSignal.any would do, but its listeners stay on a long-lived signal (the watch loop's Ctrl-C)
 * until garbage collection, and a loop that runs for hours must not collect them.
 */
export function linkSignals(...signals: (AbortSignal | undefined)[]): {signal: AbortSignal | undefined; dispose: () => void} {
  const real = signals.filter((s): s is AbortSignal => Boolean(s))
  if (real.length === 0) return {signal: undefined, dispose: () => undefined}
  const controller = new AbortController()
  const abort = (): void => controller.abort()
  for (const s of real) {
    if (s.aborted) controller.abort()
    else s.addEventListener('abort', abort, {once: true})
  }
  return {signal: controller.signal, dispose: () => real.forEach(s => s.removeEventListener('abort', abort))}
}

/** Waits, or stops waiting at the signal; leaves no listener behind either way. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise(resolve => {
    const done = (): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, {once: true})
  })
}
