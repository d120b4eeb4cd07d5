import { randomBytes } from "node:crypto";
import { createPrismaClient } from "../../lib/db";
import { seed } from "../../scripts/seed";
import { buildApp, startApp } from "../support/app-server";
import { createMigratedDatabase, testRedisUrl } from "../support/test-database";

/** A fresh seeded database, a fresh build and the production server, for the browser tests. */
export default async function globalSetup() {
  const db = await createMigratedDatabase("cw_e2e");
  const client = createPrismaClient(db.url, 2);
  await seed(client, () => {}, { demoAccounts: true });
  await client.$disconnect();
  buildApp();
  const port = Number(process.env.E2E_PORT ?? 3210);
  const app = await startApp({
    port,
    env: {
      DATABASE_URL: db.url,
      REDIS_URL: testRedisUrl(),
      KV_PREFIX: `cwe2e:${randomBytes(4).toString("hex")}:`,
      PAYMENT_PROVIDER: "test",
      // every browser test registers from 127.0.0.1 (the fuzzers hundreds of accounts); the per-client throttle
      // itself is proven in tests/integration/registration.test.ts
      REGISTRATIONS_PER_CLIENT_PER_HOUR: "1000000",
      // one JSON line per request would drown the test output; warnings and errors still show
      LOG_LEVEL: "warn",
    },
  });
  process.env.E2E_DATABASE_URL = db.url;
  return async () => {
    await app.stop();
    await db.drop();
  };
}
