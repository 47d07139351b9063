// Every runtimeConfig key below can be overridden by a NUXT_* variable
// (camelCase → SCREAMING_SNAKE: sseHeartbeatMs → NUXT_SSE_HEARTBEAT_MS).
// The list with explanations is in README.md and .env.example.
export default defineNuxtConfig({
  modules: ['@pinia/nuxt', '@nuxt/eslint'],
  devtools: { enabled: false },

  runtimeConfig: {
    redisUrl: '',
    // Sentinel or Cluster instead of one Redis; README "Redis: single, Sentinel or Cluster".
    redisSentinels: '',
    redisSentinelName: 'mymaster',
    redisSentinelPassword: '',
    redisClusterNodes: '',
    redisWaitReplicas: 0,
    redisWaitTimeoutMs: 500,
    redisPrefix: 'dashboard',
    redisCommandTimeoutMs: 2000,
    instanceId: '',
    sseHeartbeatMs: 15_000,
    sseRetryMs: 3000,
    sseMaxQueueBytes: 1_048_576,
    logMaxAgeMs: 1_800_000,
    logMaxEvents: 100_000,
    publishToken: '',
    metricsToken: '',
    ingestMaxBytes: 262_144,
    ingestIdempotencyTtlS: 86_400,
    alertCpuPercent: 80,
    alertMemoryPercent: 85,
    alertErrorRatePercent: 1,
    alertClearRatio: 0.9,
    alertForSamples: 3,
    // Bounds on what producers choose (README "Configuration"): event size and distinct sources.
    eventMaxBytes: 16_384,
    maxSources: 1000,
    alertRulesFile: '',
    alertWebhookUrl: '',
    alertWebhookFormat: 'json',
    alertWebhookTimeoutMs: 5000,
    alertWebhookMaxAttempts: 5,
    alertWebhookQueueSize: 1000,
    // Security (server/core/auth, server/core/limits); README "Security".
    viewerToken: '',
    sessionPassword: '',
    sessionMaxAgeSeconds: 604_800,
    sseAllowQueryToken: false,
    sseTicketTtlMs: 30_000,
    corsOrigins: '',
    trustedProxies: '',
    frameAncestors: `'none'`,
    sseMaxConnections: 10_000,
    sseMaxConnectionsPerIp: 100,
    ingestRatePerSecond: 50,
    ingestRateBurst: 100,
    authFailuresPerMinute: 20,
    sseOpensPerMinute: 120,
    historyReadsPerMinute: 60,
    sseTicketsPerMinute: 120,
    ingestMaxConcurrentPerIp: 8,
    requestTimeoutMs: 30_000,
    headersTimeoutMs: 10_000,
  },

  // The app manifest is only needed for client-side route rules, which we do
  // not use; fetching it during a server outage logs a console error.
  experimental: { appManifest: false },
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
