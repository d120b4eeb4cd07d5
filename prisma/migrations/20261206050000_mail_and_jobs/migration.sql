-- Mail outbox, local mailbox, password reset tokens, cart reminders, unsubscribes and the job scheduler's claims.

-- A message to send. Written by the same transaction as the change that causes it; one row per
-- (event, recipient, dedupe_key), so a second insert for the same cause is a no-op.
CREATE TABLE "mail_outbox" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "event" TEXT NOT NULL,
    "recipient" TEXT NOT NULL,
    "dedupe_key" TEXT NOT NULL,
    "data" JSONB NOT NULL DEFAULT '{}',
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    "locked_until" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "subject" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    "sent_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    CONSTRAINT "mail_outbox_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "mail_outbox_status_check" CHECK ("status" IN ('pending', 'sent', 'failed', 'skipped')),
    CONSTRAINT "mail_outbox_attempts_check" CHECK ("attempts" >= 0)
);
CREATE UNIQUE INDEX "mail_outbox_event_recipient_dedupe_key_key" ON "mail_outbox"("event", "recipient", "dedupe_key");
CREATE INDEX "mail_outbox_status_next_attempt_at_idx" ON "mail_outbox"("status", "next_attempt_at");
CREATE INDEX "mail_outbox_created_at_idx" ON "mail_outbox"("created_at");

-- The embedded default's mailbox (no SMTP_URL): what would have been sent, readable at /admin/mail.
CREATE TABLE "mailbox_messages" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "outbox_id" UUID NOT NULL,
    "from" TEXT NOT NULL,
    "to" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "html" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "headers" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    CONSTRAINT "mailbox_messages_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "mailbox_messages_outbox_id_key" ON "mailbox_messages"("outbox_id");
CREATE INDEX "mailbox_messages_to_idx" ON "mailbox_messages"("to");
ALTER TABLE "mailbox_messages" ADD CONSTRAINT "mailbox_messages_outbox_id_fkey" FOREIGN KEY ("outbox_id") REFERENCES "mail_outbox"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Password reset: the token is derived from the row id with an HMAC (so the outbox never holds it); only its
-- sha-256 is stored. Single use (used_at), 30 minutes (expires_at).
CREATE TABLE "password_reset_tokens" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "user_id" UUID NOT NULL,
    "token_hash" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "used_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    CONSTRAINT "password_reset_tokens_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "password_reset_tokens_token_hash_key" ON "password_reset_tokens"("token_hash");
CREATE INDEX "password_reset_tokens_user_id_created_at_idx" ON "password_reset_tokens"("user_id", "created_at");
ALTER TABLE "password_reset_tokens" ADD CONSTRAINT "password_reset_tokens_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- One reminder per cart per idle period: the period is named by the cart's last activity (idle_since).
CREATE TABLE "cart_reminders" (
    "cart_id" TEXT NOT NULL,
    "idle_since" TIMESTAMPTZ(3) NOT NULL,
    "email" TEXT NOT NULL,
    "sent_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    "restored_at" TIMESTAMPTZ(3),
    CONSTRAINT "cart_reminders_pkey" PRIMARY KEY ("cart_id", "idle_since")
);
CREATE INDEX "cart_reminders_sent_at_idx" ON "cart_reminders"("sent_at");

-- Addresses that asked for no more cart reminders (stored lower-cased).
CREATE TABLE "mail_unsubscribes" (
    "email" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    CONSTRAINT "mail_unsubscribes_pkey" PRIMARY KEY ("email")
);

-- The scheduler's claims: one row per (job, period); the instance whose INSERT wins runs that period.
CREATE TABLE "job_runs" (
    "job" TEXT NOT NULL,
    "period_start" TIMESTAMPTZ(3) NOT NULL,
    "instance" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    "finished_at" TIMESTAMPTZ(3),
    "status" TEXT NOT NULL DEFAULT 'running',
    "processed" INTEGER,
    "error" TEXT,
    CONSTRAINT "job_runs_pkey" PRIMARY KEY ("job", "period_start"),
    CONSTRAINT "job_runs_status_check" CHECK ("status" IN ('running', 'ok', 'failed'))
);
CREATE INDEX "job_runs_job_started_at_idx" ON "job_runs"("job", "started_at");

-- Guests ask for links to their orders by e-mail (an expression index: not in schema.prisma).
CREATE INDEX "orders_lower_email_created_at_idx" ON "orders"(lower("email"), "created_at");
