/**
 * Polls `check` until it returns something truthy. Tests wait for
 * conditions, never for a fixed time.
 */
export async function waitFor<T>(check: () => T | Promise<T>, { timeout = 15_000, interval = 25, what = 'condition' } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeout
  let lastError: unknown
  for (;;) {
    try {
      const value = await check()
      if (value) return value as NonNullable<T>
    }
    catch (error) {
      lastError = error
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`)
    }
    await new Promise(resolve => setTimeout(resolve, interval))
  }
}
