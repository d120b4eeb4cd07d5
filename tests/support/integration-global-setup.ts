import type { TestProject } from "vitest/node";
import { randomBytes } from "node:crypto";
import { createMigratedDatabase, testRedisUrl } from "./test-database";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string;
    kvPrefix: string;
  }
}

/** One migrated database and one Redis key prefix per test run, so concurrent runs never share state. */
export default async function setup(project: TestProject) {
  const db = await createMigratedDatabase();
  project.provide("databaseUrl", db.url);
  project.provide("redisUrl", testRedisUrl());
  project.provide("kvPrefix", `cwtest:${randomBytes(4).toString("hex")}:`);
  return async () => {
    await db.drop();
  };
}
