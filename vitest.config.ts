import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    // Scenario and e2e tests start many libp2p nodes or processes; on 2 cores
    // running those files in parallel only makes each one flaky.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})
