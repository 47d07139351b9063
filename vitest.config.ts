import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import { defineVitestProject } from '@nuxt/test-utils/config'

/**
 * Three projects, chosen by folder:
 * - unit: pure server and shared logic, plain Node;
 * - nuxt: components and composables in the Nuxt environment;
 * - e2e: the built server (`.output`), real Redis, real browsers, real nginx.
 *   The build happens once, in the global setup.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
          sequence: { groupOrder: 0 },
        },
        // Pure browser-side logic (utils/) imports shared code through Nuxt's alias.
        resolve: { alias: { '#shared': fileURLToPath(new URL('./shared', import.meta.url)) } },
      },
      await defineVitestProject({
        test: {
          name: 'nuxt',
          include: ['tests/nuxt/**/*.test.ts'],
          environment: 'nuxt',
          sequence: { groupOrder: 1 },
        },
      }),
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['tests/helpers/build-once.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Each file starts its own Redis and servers; two at a time fits two cores.
          maxWorkers: 2,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
})
