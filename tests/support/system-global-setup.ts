import type { TestProject } from "vitest/node";
import { existsSync, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { createPrismaClient } from "../../lib/db";
import { seed } from "../../scripts/seed";
import { buildApp } from "./app-server";
import { baseDatabaseUrl, createMigratedDatabase } from "./test-database";

declare module "vitest" {
  export interface ProvidedContext {
    /** the build folder the system tests serve (built once per run) */
    systemDistDir: string;
    systemBuildId: string;
    /** a migrated, seeded database every test copies (CREATE DATABASE ... TEMPLATE) */
    systemTemplateDb: string;
    systemBaseDatabaseUrl: string;
  }
}

/** The system tests' own build folder: never the one `npm start`, the e2e tests or another run serve. */
export const SYSTEM_DIST_DIR = process.env.SYSTEM_DIST_DIR ?? ".next-test-system";

/**
 * Once per run: checks the machine has what the system tests break (PostgreSQL, redis-server), builds the app
 * ONCE into its own folder (SYSTEM_REUSE_BUILD=1 keeps an existing build, for quick local iterations), and
 * prepares one migrated, seeded template database that each test copies cheaply.
 */
export default async function setup(project: TestProject) {
  const redis = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  if (redis.status !== 0) throw new Error("redis-server is not on PATH: the system tests start their own throwaway Redis.");

  const started = Date.now();
  const buildIdFile = path.join(process.cwd(), SYSTEM_DIST_DIR, "BUILD_ID");
  if (!(process.env.SYSTEM_REUSE_BUILD === "1" && existsSync(buildIdFile))) buildApp(SYSTEM_DIST_DIR);
  const buildId = readFileSync(buildIdFile, "utf8").trim();
  console.log(`[system] build ${buildId} in ${SYSTEM_DIST_DIR} ready after ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const template = await createMigratedDatabase("cw_sys_tpl");
  const client = createPrismaClient(template.url, 2);
  try {
    await seed(client, () => {}, { demoAccounts: true });
  } finally {
    await client.$disconnect();
  }

  project.provide("systemDistDir", SYSTEM_DIST_DIR);
  project.provide("systemBuildId", buildId);
  project.provide("systemTemplateDb", new URL(template.url).pathname.slice(1));
  project.provide("systemBaseDatabaseUrl", baseDatabaseUrl());
  return async () => {
    await template.drop();
  };
}
