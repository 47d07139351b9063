/**
 * Tells the other tabs of this browser that the viewer signed out (or that
 * the session is gone), so every tab ends its stream, not only the one
 * whose button was pressed. A browser without BroadcastChannel has no
 * shared stream to end.
 */
const CHANNEL = 'pulseboard:signed-out'

export function announceSignOut(): void {
  if (typeof BroadcastChannel === 'undefined') return
  const channel = new BroadcastChannel(CHANNEL)
  channel.postMessage('signed-out')
  channel.close()
}

/** Calls `listener` when another tab announces a sign-out; returns the function that stops listening. */
export function onSignOutElsewhere(listener: () => void): () => void {
  if (typeof BroadcastChannel === 'undefined') return () => {}
  const channel = new BroadcastChannel(CHANNEL)
  channel.onmessage = () => listener()
  return () => channel.close()
}
