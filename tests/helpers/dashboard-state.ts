import type { Page } from 'playwright-core'

export interface DashboardState {
  /** Sources the page has a latest metric for. */
  metricSources: string[]
  /** The alert list as the page holds it, newest first: list key (the event id, or a local one) and message. */
  alerts: { key: string, message: string }[]
  lastEventId: string | null
}

/**
 * Reads the dashboard store of a page (Vue keeps the app on its mount
 * element, Pinia on the app), so a test can compare what each tab holds by
 * event id, independent of how the components render it.
 */
export async function dashboardState(page: Page): Promise<DashboardState> {
  return page.evaluate(() => {
    const app = (document.querySelector('#__nuxt') as unknown as { __vue_app__: { config: { globalProperties: { $pinia: { state: { value: Record<string, unknown> } } } } } }).__vue_app__
    const store = app.config.globalProperties.$pinia.state.value.dashboard as {
      metrics: Map<string, unknown>
      alerts: { key: string, data: { message: string } }[]
      lastEventId: string | null
    }
    return {
      metricSources: [...store.metrics.keys()],
      alerts: store.alerts.map(alert => ({ key: alert.key, message: alert.data.message })),
      lastEventId: store.lastEventId,
    }
  })
}
