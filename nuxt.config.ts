// Every runtimeConfig key below can be overridden by a NUXT_* variable
// (camelCase → SCREAMING_SNAKE: sseHeartbeatMs → NUXT_SSE_HEARTBEAT_MS).
// The list with explanations is in README.md and .env.example.
export default defineNuxtConfig({
  modules: ['@pinia/nuxt', '@nuxt/eslint'],
  devtools: { enabled: false },

  runtimeConfig: {
    redisUrl: '',
    redisPrefix: 'dashboard',
    instanceId: '',
    sseHeartbeatMs: 15_000,
    sseRetryMs: 3000,
    sseMaxQueueBytes: 1_048_576,
    logMaxAgeMs: 1_800_000,
    logMaxEvents: 100_000,
    publishToken: '',
    metricsToken: '',
    ingestMaxBytes: 262_144,
    alertCpuPercent: 80,
    alertMemoryPercent: 85,
    alertErrorRatePercent: 1,
    alertClearRatio: 0.9,
  },
  compatibilityDate: '2026-11-01',

  nitro: {
    experimental: { tasks: true },
    scheduledTasks: {
      '* * * * * *': ['metrics:publish'],
      '*/5 * * * * *': ['health:check'],
    },
  },

  typescript: { strict: true },
  telemetry: false,

  eslint: {
    config: { stylistic: true },
  },
})
