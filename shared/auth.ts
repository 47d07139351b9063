/** What the page guard knows about viewer authentication (GET /api/auth/session). */
export interface AuthState {
  /** Whether this deployment requires viewers to sign in (NUXT_VIEWER_TOKEN is set). */
  enabled: boolean
  /** Whether this browser holds a valid session cookie. */
  signedIn: boolean
}
