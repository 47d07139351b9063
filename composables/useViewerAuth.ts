import type { AuthState } from '~/shared/auth'
import { announceSignOut } from '~/utils/sign-out-signal'

/**
 * Viewer sign-in state and actions. The state is filled on the server for
 * every page (plugins/auth-state.server.ts) and travels in the payload, so
 * the page guard knows the answer without a request of its own.
 */
export function useViewerAuth() {
  /** @default { enabled: false, signedIn: false } until the server says otherwise */
  const state = useState<AuthState>('pulseboard:auth', () => ({ enabled: false, signedIn: false }))

  /** Asks the server again (the session may have expired or the token changed). */
  async function refresh(): Promise<AuthState> {
    state.value = await $fetch<AuthState>('/api/auth/session')
    return state.value
  }

  /** Trades the viewer token for an httpOnly session cookie; throws the server's error on failure. */
  async function signIn(token: string): Promise<void> {
    await $fetch('/api/auth/login', { method: 'POST', body: { token } })
    state.value = { enabled: true, signedIn: true }
  }

  async function signOut(): Promise<void> {
    // An (empty) JSON body: the server refuses state changes without a JSON content type (CSRF).
    await $fetch('/api/auth/logout', { method: 'POST', body: {} })
    state.value = { ...state.value, signedIn: false }
    // The other tabs end their share of the stream too.
    announceSignOut()
  }

  return { state, refresh, signIn, signOut }
}
