import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  resolve: { alias: { "@": root } },
  test: {
    projects: [
      {
        resolve: { alias: { "@": root } },
        test: { name: "unit", include: ["tests/unit/**/*.test.ts"], environment: "node" },
      },
      {
        resolve: { alias: { "@": root } },
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          environment: "node",
          globalSetup: ["tests/support/integration-global-setup.ts"],
          setupFiles: ["tests/support/integration-setup.ts"],
          // two cores: files run one at a time, tests inside a file drive their own concurrency
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        resolve: { alias: { "@": root } },
        test: {
          // real production instances of the app, started per test, with their dependencies broken on purpose
          name: "system",
          include: ["tests/system/**/*.test.ts"],
          environment: "node",
          // builds the app ONCE into its own folder and provides it (and a seeded template database) to every file
          globalSetup: ["tests/support/system-global-setup.ts"],
          // two cores: one file at a time, one test at a time; tests drive their own concurrency
          fileParallelism: false,
          sequence: { concurrent: false },
          testTimeout: 120_000,
          hookTimeout: 180_000,
          teardownTimeout: 60_000,
        },
      },
    ],
  },
});
