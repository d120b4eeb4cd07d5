import { z } from "zod";

const bool = z
  .enum(["1", "0", "true", "false", "yes", "no", ""])
  .optional()
  .transform((v) => v === "1" || v === "true" || v === "yes");

const postgresUrl = z
  .string()
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === "postgresql:" || u.protocol === "postgres:") && u.hostname !== "";
    } catch {
      return false;
    }
  }, "must be a PostgreSQL URL like postgresql://user:password@host:5432/database");

const redisUrl = z
  .string()
  .refine((v) => /^rediss?:\/\/[^/]/.test(v), "must be a Redis URL like redis://127.0.0.1:6379");

const positiveInt = (def: number) => z.coerce.number().int().positive().default(def);

const smtpUrl = z
  .string()
  .refine((v) => /^smtps?:\/\/[^/]/.test(v), "must be an SMTP URL like smtp://user:pass@mail.example.com:587");

/**
 * Words that make up the placeholder secrets people paste from examples ("changeme", "development-secret",
 * "your-nextauth-secret-here", the old built-in development fallback...). A value made only of these words (and
 * digits or punctuation) is an example, not a secret.
 */
const PLACEHOLDER_WORDS = [
  "change", "me", "this", "please", "replace", "with", "secret", "super", "my", "your", "our", "next", "auth",
  "development", "dev", "test", "testing", "example", "placeholder", "password", "default", "insecure",
  "not", "for", "production", "prod", "cartwright", "here", "key", "value", "random", "string", "generate", "a", "x",
];
const PLACEHOLDER = new RegExp(`^(?:${[...PLACEHOLDER_WORDS].sort((a, b) => b.length - a.length).join("|")})*$`);

/**
 * Why a NEXTAUTH_SECRET is not fit for production, or null. It signs every session and (through derived keys)
 * the cart cookie and the order tokens, so a guessable one gives away every account and order.
 */
export function weakSecretReason(value: string): string | null {
  if (value.length < 16) return "must be at least 16 characters";
  const letters = value.toLowerCase().replace(/[^a-z]/g, "");
  // (a long value is no pasted example; the length cap also bounds the regular expression's work)
  if (letters.length <= 200 && PLACEHOLDER.test(letters)) return "is an example or placeholder value: generate one, e.g. `openssl rand -base64 32`";
  if (new Set(value).size < 8) return "is too repetitive to be a secret: generate one, e.g. `openssl rand -base64 32`";
  return null;
}

export const envSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    DATABASE_URL: postgresUrl,
    DATABASE_POOL_SIZE: positiveInt(10),
    REDIS_URL: redisUrl.optional(),
    UPSTASH_REDIS_REST_URL: z.url().optional(),
    UPSTASH_REDIS_REST_TOKEN: z.string().min(1).optional(),
    /** prefix for every key this app writes to the KV store (lets test runs share one Redis) */
    KV_PREFIX: z.string().default("cw:"),
    DEFAULT_CURRENCY: z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code like USD").default("USD"),
    CART_MAX_LINE_QUANTITY: positiveInt(99),
    CART_ABANDON_AFTER_DAYS: positiveInt(14),
    /** "off" makes signed-in cart reads skip the KV cache (benchmarks, or a cache known to be bad) */
    CART_CACHE: z.enum(["on", "off"]).default("on"),
    /** how long (ms) a process may reuse what carts read of a variant (price, stock cap); 0 = always read it.
     *  Checkout always reads the catalog fresh. */
    CATALOG_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
    /** a fraction is allowed (0.05 = 3 s) so tests of the expiry job need not wait a minute */
    ORDER_RESERVATION_MINUTES: z.coerce.number().positive().max(7 * 24 * 60).default(15),
    /** outgoing mail; unset: mail lands in the local mailbox (a table, read at /admin/mail) */
    SMTP_URL: smtpUrl.optional(),
    MAIL_FROM: z.string().min(3).max(320).default("Cartwright <no-reply@localhost>"),
    /** the shop's public URL, for links in e-mails (next-auth reads the same variable) */
    NEXTAUTH_URL: z.url().optional(),
    /** an ACTIVE cart idle this long gets one reminder (when its shopper's e-mail is known) */
    CART_REMINDER_AFTER_MINUTES: positiveInt(1440),
    /** "off": this process runs no scheduled jobs (the cron routes and `npm run jobs` still work) */
    JOBS: z.enum(["on", "off"]).default("on"),
    /** test-only: every scheduled job runs at most this often instead of its own period (seconds) */
    JOB_PERIOD_SECONDS: z.coerce.number().positive().max(3600).optional(),
    PAYMENT_PROVIDER: z.enum(["stripe", "test"]).optional(),
    STRIPE_SECRET_KEY: z.string().startsWith("sk_", "must start with sk_").optional(),
    STRIPE_WEBHOOK_SECRET: z.string().startsWith("whsec_", "must start with whsec_").optional(),
    NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: z.string().startsWith("pk_", "must start with pk_").optional(),
    /** points the Stripe SDK at another host (the local fake in tests): http://127.0.0.1:12111 */
    STRIPE_API_BASE: z.url().optional(),
    /** required in production (and checked there against known examples); dev and tests pass one too: there is
     *  no built-in fallback (scripts/start.ts generates one into ./.data/secrets.json) */
    NEXTAUTH_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
    /** `npm run db:seed` creates the demo accounts (admin@cartwright.test...) only with SEED_DEMO=1 */
    SEED_DEMO: bool,
    /** PENDING_PAYMENT orders (holding stock) one client (IP) and one e-mail may have at once; then 429 */
    UNPAID_ORDERS_PER_CLIENT: positiveInt(20),
    UNPAID_ORDERS_PER_EMAIL: positiveInt(5),
    ADMIN_API_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
    CRON_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
    METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
    TRUST_PROXY: bool,
    /** new accounts one client may register in a sliding hour (then 429): what makes probing e-mails cost hours */
    REGISTRATIONS_PER_CLIENT_PER_HOUR: positiveInt(10),
    LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
    /** HTTP worker processes of `npm start` (node:cluster); unset: one per core (os.availableParallelism()) */
    WEB_CONCURRENCY: z.coerce.number().int().min(1).max(256).optional(),
    /** requests one process works on at once; beyond it the server answers 503 with Retry-After at once */
    MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(100_000).default(1024),
    /** test-only: every answer names the worker process that served it (`x-cartwright-worker: <pid>`) */
    WORKER_PID_HEADER: bool,
  })
  .superRefine((e, ctx) => {
    if ((e.UPSTASH_REDIS_REST_URL === undefined) !== (e.UPSTASH_REDIS_REST_TOKEN === undefined))
      ctx.addIssue({
        code: "custom",
        path: ["UPSTASH_REDIS_REST_TOKEN"],
        message: "UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN must be set together",
      });
    if (e.NODE_ENV === "production" && !e.STRIPE_SECRET_KEY && e.PAYMENT_PROVIDER !== "test")
      ctx.addIssue({
        code: "custom",
        path: ["STRIPE_SECRET_KEY"],
        message:
          "is required in production (or set PAYMENT_PROVIDER=test to accept the built-in test payments, where anyone can pay with a test card)",
      });
    if (e.NODE_ENV === "production") {
      const reason = e.NEXTAUTH_SECRET === undefined ? "is required in production" : weakSecretReason(e.NEXTAUTH_SECRET);
      if (reason) ctx.addIssue({ code: "custom", path: ["NEXTAUTH_SECRET"], message: reason });
    }
    if (e.PAYMENT_PROVIDER === "stripe" && !e.STRIPE_SECRET_KEY)
      ctx.addIssue({ code: "custom", path: ["STRIPE_SECRET_KEY"], message: "is required when PAYMENT_PROVIDER=stripe" });
  })
  .transform((e) => ({
    ...e,
    paymentProvider: e.PAYMENT_PROVIDER ?? (e.STRIPE_SECRET_KEY ? "stripe" : "test"),
  }));

export type Env = z.output<typeof envSchema>;

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "EnvError";
  }
}

/** Parses an environment; the error lists every bad variable by name, never its value (it may be a secret). */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = envSchema.safeParse(cleaned);
  if (result.success) return result.data;
  throw new EnvError(result.error.issues.map((i) => `${i.path.join(".") || "environment"} ${i.message}`));
}

let cached: Env | undefined;

/** The process environment, validated once. */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** For tests that change process.env between cases. */
export function resetEnvCache(): void {
  cached = undefined;
}

/**
 * NEXTAUTH_SECRET, the one signing secret: it signs the session JWT and, through keys derived per purpose, the
 * app's cookies, order tokens and the links in e-mails. There is no fallback anywhere: `npm start` and `npm run dev`
 * generate one into ./.data on first start, and production refuses to start without a strong one (parseEnv).
 */
export function appSecret(): string {
  const secret = env().NEXTAUTH_SECRET;
  if (secret) return secret;
  throw new Error("NEXTAUTH_SECRET is not set: start the store with `npm start` / `npm run dev` (they generate one) or set it.");
}
