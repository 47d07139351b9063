/** Polls `check` until it returns something truthy; throws after `timeout` ms. */
export async function waitFor(check, { timeout = 30_000, interval = 50, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout
  let lastError
  for (;;) {
    try {
      const value = await check()
      if (value) return value
    }
    catch (error) {
      lastError = error
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? `: ${lastError.message}` : ''}`)
    await sleep(interval)
  }
}

export function sleep(ms) {
  return new Promise(resolve => setTimeout(resolve, ms))
}
