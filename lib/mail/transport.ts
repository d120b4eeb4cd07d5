import nodemailer from "nodemailer";
import type { PrismaClient } from "../db";

/** A rendered message on its way out. `id` is the outbox row's. */
export type OutgoingMail = {
  id: string;
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
};

export interface MailTransport {
  readonly kind: "smtp" | "mailbox";
  /** Delivers or throws. Must be safe to call again for the same message (a retry after a crash). */
  send(mail: OutgoingMail): Promise<void>;
  close(): Promise<void>;
}

/** The Message-ID is the outbox row's, so a message re-sent after a crash can be recognised as the same one. */
export const messageIdOf = (outboxId: string) => `<${outboxId}@cartwright.mail>`;

/** SMTP through nodemailer (SMTP_URL: smtp://user:pass@host:port, smtps:// for TLS from the start). */
export class SmtpTransport implements MailTransport {
  readonly kind = "smtp" as const;
  private readonly transporter: nodemailer.Transporter;

  constructor(url: string, opts: { timeoutMs?: number } = {}) {
    const timeout = opts.timeoutMs ?? 15_000;
    // short timeouts: a server that hangs must fail this attempt (retried with backoff), not stall the worker
    this.transporter = nodemailer.createTransport({ url, connectionTimeout: timeout, greetingTimeout: timeout, socketTimeout: timeout });
  }

  async send(mail: OutgoingMail): Promise<void> {
    await this.transporter.sendMail({
      from: mail.from,
      to: mail.to,
      subject: mail.subject,
      html: mail.html,
      text: mail.text,
      headers: mail.headers,
      messageId: messageIdOf(mail.id),
    });
  }

  async close(): Promise<void> {
    this.transporter.close();
  }
}

/**
 * The embedded default's mailbox: a table. Keyed by the outbox id, so a retried delivery stores nothing twice.
 */
export class MailboxTransport implements MailTransport {
  readonly kind = "mailbox" as const;
  constructor(private readonly db: PrismaClient) {}

  async send(mail: OutgoingMail): Promise<void> {
    const headers = { ...mail.headers, "Message-ID": messageIdOf(mail.id) };
    await this.db.$executeRaw`
      INSERT INTO mailbox_messages (outbox_id, "from", "to", subject, html, text, headers)
      VALUES (${mail.id}::uuid, ${mail.from}, ${mail.to}, ${mail.subject}, ${mail.html}, ${mail.text}, ${JSON.stringify(headers)}::jsonb)
      ON CONFLICT (outbox_id) DO NOTHING`;
  }

  async close(): Promise<void> {}
}
