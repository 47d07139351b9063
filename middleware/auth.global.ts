/**
 * Pages need a signed-in viewer when authentication is on. Runs on the server
 * too, so an anonymous request for `/` gets a redirect, not the dashboard.
 */
export default defineNuxtRouteMiddleware((to) => {
  if (to.path === '/login') return
  const { state } = useViewerAuth()
  if (state.value.enabled && !state.value.signedIn) {
    return navigateTo({ path: '/login', query: { redirect: to.fullPath } })
  }
})
