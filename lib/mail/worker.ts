import { z } from "zod";
import type { PrismaClient } from "../db";
import { DomainError, notFound } from "../errors";
import { isoDateTimeSchema } from "../money/schema";
import { logger as appLogger } from "../observability/logger";
import { metrics } from "../observability/metrics";
import { mailEventSchema, parseMailData, type MailEvent, type ParsedMailData } from "./events";
import type { MailTransport } from "./transport";

/** What a template makes of a message's data. Templates live outside lib/ (emails/); the caller passes them in. */
export type RenderedMail = { subject: string; html: string; text: string; headers?: Record<string, string> };
export type MailRenderContext = { to: string; baseUrl: string; now: Date };
export type MailRenderer = <E extends MailEvent>(event: E, data: ParsedMailData<E>, ctx: MailRenderContext) => Promise<RenderedMail>;

export type MailDeps = {
  db: PrismaClient;
  transport: MailTransport;
  render: MailRenderer;
  from: string;
  baseUrl: string;
  now?: () => Date;
  /** attempts before a message is marked failed (it stays listed; an admin may resend it) */
  maxAttempts?: number;
  log?: (level: "info" | "warn" | "error", msg: string, data?: Record<string, unknown>) => void;
};

export const DEFAULT_MAX_ATTEMPTS = 10;
/** A worker owns a claimed message this long; if it dies mid-delivery, another takes the message after. */
export const DELIVERY_LEASE_MS = 2 * 60_000;

/** Wait before attempt n+1 after n failed ones: 30 s, 1 min, 2 min, ... capped at 30 min (10 attempts ≈ 2 h). */
export function backoffMs(failedAttempts: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, failedAttempts - 1), 30 * 60_000);
}

type Claimed = { id: string; event: string; recipient: string; data: unknown; attempts: number };

const clock = (deps: MailDeps) => (deps.now ? deps.now() : new Date());
const log = (deps: MailDeps) => deps.log ?? ((level, msg, data) => appLogger()[level](data ?? {}, msg));

/**
 * Claims due messages and delivers them. Safe on any number of workers at once: a batch is picked with FOR UPDATE
 * SKIP LOCKED and leased in the same statement (attempts counted there too), so no two workers hold one message.
 * A message is marked sent only after the transport accepted it; a failure schedules the next attempt with
 * exponential backoff, and after maxAttempts the message is `failed` (listed for admins, who may resend it).
 * Returns how many messages were sent.
 */
export async function deliverMail(deps: MailDeps, opts: { batch?: number; maxBatches?: number } = {}): Promise<number> {
  const batch = Math.max(1, opts.batch ?? 20);
  let sent = 0;
  for (let round = 0; round < (opts.maxBatches ?? 10); round++) {
    const now = clock(deps);
    const claimed = await deps.db.$queryRaw<Claimed[]>`
      UPDATE mail_outbox SET locked_until = ${new Date(now.getTime() + DELIVERY_LEASE_MS)}, attempts = attempts + 1, updated_at = now()
      WHERE id IN (
        SELECT id FROM mail_outbox
        WHERE status = 'pending' AND next_attempt_at <= ${now} AND (locked_until IS NULL OR locked_until <= ${now})
        ORDER BY next_attempt_at
        LIMIT ${batch}
        FOR UPDATE SKIP LOCKED)
      RETURNING id::text AS id, event, recipient, data, attempts`;
    for (const m of claimed) if (await deliverOne(deps, m)) sent += 1;
    if (claimed.length < batch) break;
  }
  return sent;
}

async function deliverOne(deps: MailDeps, m: Claimed): Promise<boolean> {
  const event = mailEventSchema.safeParse(m.event);
  let result = "failed";
  try {
    if (!event.success) throw new PermanentMailError(`unknown event ${m.event}`);
    let data: ParsedMailData<MailEvent>;
    try {
      data = parseMailData(event.data, m.data);
    } catch (e) {
      throw new PermanentMailError(`data does not fit ${event.data}: ${String(e)}`);
    }
    const skip = await stillWanted(deps.db, event.data, m.recipient, data);
    if (skip) {
      await deps.db.$executeRaw`
        UPDATE mail_outbox SET status = 'skipped', locked_until = NULL, last_error = ${skip}, updated_at = now()
        WHERE id = ${m.id}::uuid AND status = 'pending'`;
      result = "skipped";
      return false;
    }
    const now = clock(deps);
    const rendered = await deps.render(event.data, data, { to: m.recipient, baseUrl: deps.baseUrl, now });
    await deps.transport.send({
      id: m.id,
      from: deps.from,
      to: m.recipient,
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      headers: { ...rendered.headers, "X-Cartwright-Event": event.data },
    });
    await deps.db.$executeRaw`
      UPDATE mail_outbox SET status = 'sent', sent_at = ${clock(deps)}, subject = ${rendered.subject}, locked_until = NULL,
             last_error = NULL, updated_at = now()
      WHERE id = ${m.id}::uuid AND status = 'pending'`;
    result = "sent";
    return true;
  } catch (e) {
    const permanent = e instanceof PermanentMailError;
    const giveUp = permanent || m.attempts >= (deps.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
    const next = new Date(clock(deps).getTime() + backoffMs(m.attempts));
    const message = (e instanceof Error ? e.message : String(e)).slice(0, 1000);
    await deps.db.$executeRaw`
      UPDATE mail_outbox SET status = ${giveUp ? "failed" : "pending"}, next_attempt_at = ${next}, locked_until = NULL,
             last_error = ${message}, updated_at = now()
      WHERE id = ${m.id}::uuid AND status = 'pending'`;
    result = giveUp ? "failed" : "retry";
    log(deps)(giveUp ? "error" : "warn", giveUp ? "mail: delivery failed for good" : "mail: delivery failed; will retry", {
      outboxId: m.id,
      event: m.event,
      attempts: m.attempts,
      err: message,
    });
    return false;
  } finally {
    try {
      metrics().mailDeliveries.inc({ event: m.event, result });
    } catch {
      // metrics are best effort
    }
  }
}

class PermanentMailError extends Error {}

/**
 * A reason not to send any more, or null. A cart reminder waits in the outbox for a few seconds at most, but in
 * that time its cart may be checked out or its address unsubscribed: then it is not sent.
 */
async function stillWanted(db: PrismaClient, event: MailEvent, recipient: string, data: ParsedMailData<MailEvent>): Promise<string | null> {
  if (event !== "cart_reminder") return null;
  const { cartId } = data as ParsedMailData<"cart_reminder">;
  const cart = await db.cart.findUnique({ where: { id: cartId }, select: { status: true } });
  if (!cart || cart.status !== "ACTIVE") return "the cart is no longer active";
  if (await db.mailUnsubscribe.findUnique({ where: { email: recipient }, select: { email: true } })) return "unsubscribed";
  return null;
}

// ---- admin ----------------------------------------------------------------------------------------------------

export const MAIL_STATUSES = ["pending", "sent", "failed", "skipped"] as const;

/** A message of the outbox as the admin API lists it (GET /api/admin/mail, POST /api/admin/mail/{id}/resend). */
export const mailListItemSchema = z
  .object({
    id: z.uuid(),
    event: mailEventSchema,
    to: z.string(),
    subject: z.string().nullable(),
    status: z
      .enum(MAIL_STATUSES)
      .describe("failed: retried with backoff until it gave up; skipped: no longer relevant at delivery (a cart reminder after checkout or unsubscribe)"),
    attempts: z.number().int().min(0),
    lastError: z.string().nullable(),
    createdAt: isoDateTimeSchema,
    sentAt: isoDateTimeSchema.nullable(),
  })
  .meta({ id: "MailMessage" });
export type MailListItem = z.output<typeof mailListItemSchema>;

/** The path parameter of POST /api/admin/mail/{id}/resend. */
export const mailIdSchema = z.uuid("Not a message id");

function listItem(r: {
  id: string;
  event: string;
  recipient: string;
  subject: string | null;
  status: string;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
}): MailListItem {
  return {
    id: r.id,
    // the columns are text written only by this app: their values are the schema's
    event: r.event as MailEvent,
    to: r.recipient,
    subject: r.subject,
    status: r.status as MailListItem["status"],
    attempts: r.attempts,
    lastError: r.lastError,
    createdAt: r.createdAt.toISOString(),
    sentAt: r.sentAt?.toISOString() ?? null,
  };
}

/** The newest messages first, any status (failed ones stay here until an admin resends them). */
export async function listMail(db: PrismaClient, opts: { limit?: number; status?: string } = {}): Promise<MailListItem[]> {
  const rows = await db.mailOutbox.findMany({
    where: opts.status ? { status: opts.status } : {},
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: Math.min(Math.max(opts.limit ?? 100, 1), 500),
  });
  return rows.map(listItem);
}

/** One message, and its local-mailbox copy (HTML and text) when the embedded mailbox delivered it. */
export async function getMail(db: PrismaClient, id: string) {
  const row = await db.mailOutbox.findUnique({ where: { id }, include: { mailbox: true } });
  if (!row) throw notFound("Message");
  return {
    ...listItem(row),
    mailbox: row.mailbox
      ? { from: row.mailbox.from, subject: row.mailbox.subject, html: row.mailbox.html, text: row.mailbox.text, headers: row.mailbox.headers as Record<string, string> }
      : null,
  };
}

/**
 * Puts a failed (or skipped) message back in the queue with a fresh set of attempts. A sent or pending message is
 * 409 conflict: resending it would deliver it twice.
 */
export async function resendMail(db: PrismaClient, id: string, now = new Date()): Promise<MailListItem> {
  const n = await db.$executeRaw`
    UPDATE mail_outbox SET status = 'pending', attempts = 0, next_attempt_at = ${now}, locked_until = NULL, updated_at = now()
    WHERE id = ${id}::uuid AND status IN ('failed', 'skipped')`;
  const row = await db.mailOutbox.findUnique({ where: { id } });
  if (!row) throw notFound("Message");
  if (n === 0) throw new DomainError("conflict", `This message is ${row.status}; only a failed or skipped message can be resent.`);
  return listItem(row);
}
