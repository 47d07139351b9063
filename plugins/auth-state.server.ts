import type { AuthState } from '~/shared/auth'

/** Fills the sign-in state while rendering, from this request's own cookie. */
export default defineNuxtPlugin(async () => {
  const { state } = useViewerAuth()
  try {
    state.value = await useRequestFetch()<AuthState>('/api/auth/session')
  }
  catch {
    // Fail closed: if we cannot tell, the guard sends the browser to the login page.
    state.value = { enabled: true, signedIn: false }
  }
})
