import { inject } from "vitest";
import { resetEnvCache } from "@/lib/env";

// Every integration test file sees the run's own database and Redis prefix through the ordinary environment.
process.env.DATABASE_URL = inject("databaseUrl");
process.env.REDIS_URL = inject("redisUrl");
process.env.KV_PREFIX = inject("kvPrefix");
process.env.DATABASE_POOL_SIZE ??= "20";
// there is no built-in signing secret (lib/auth/options.ts): order tokens and cookies are keyed by this one
process.env.NEXTAUTH_SECRET ??= "integration-tests-only-7c1f9a2e4b6d8053";
resetEnvCache();
