import { prisma } from "../db";
import { env } from "../env";
import { publicBaseUrl } from "./links";
import { MailboxTransport, SmtpTransport, type MailTransport } from "./transport";
import type { MailDeps, MailRenderer } from "./worker";

export { enqueueMail, enqueueOrderMail, enqueueOrderRefunded, enqueueOrderShipped, type EnqueueMailInput } from "./outbox";
export { MAIL_EVENTS, type MailEvent, type MailData } from "./events";
export { deliverMail, getMail, listMail, resendMail, type MailDeps, type MailRenderer, type MailListItem } from "./worker";
export { MailboxTransport, SmtpTransport, type MailTransport, type OutgoingMail } from "./transport";

const globalForMail = globalThis as unknown as { cartwrightMailTransport?: MailTransport };

/** SMTP when SMTP_URL is set, else the local mailbox table (the embedded default). One per process. */
export function mailTransport(): MailTransport {
  globalForMail.cartwrightMailTransport ??= env().SMTP_URL ? new SmtpTransport(env().SMTP_URL!) : new MailboxTransport(prisma());
  return globalForMail.cartwrightMailTransport;
}

/** The process's delivery wiring; the renderer (templates, outside lib/) is the caller's. */
export function mailDeps(render: MailRenderer): MailDeps {
  return { db: prisma(), transport: mailTransport(), render, from: env().MAIL_FROM, baseUrl: publicBaseUrl() };
}
