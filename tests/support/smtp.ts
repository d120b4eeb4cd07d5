import { SMTPServer } from "smtp-server";
import { freePort } from "./net";

// A real SMTP server (the `smtp-server` package) inside the test process: mail sent through nodemailer arrives here
// over TCP. `stop()` takes it away (connections are refused) and `start()` brings it back on the same port.

export type ReceivedMail = { from: string; to: string[]; raw: string; headers: Record<string, string>; subject: string; html: string };

export type TestSmtpServer = {
  port: number;
  url: string;
  received: ReceivedMail[];
  /** messages with this header value of X-Cartwright-Event, to this address */
  to(address: string, event?: string): ReceivedMail[];
  start(): Promise<void>;
  stop(): Promise<void>;
};

function parseHeaders(head: string): Record<string, string> {
  const out: Record<string, string> = {};
  // unfold continuation lines, then "Name: value"
  for (const line of head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0) out[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return out;
}

/** Decodes what nodemailer writes: quoted-printable or base64 parts; enough to read links and text back. */
function decodeQuotedPrintable(s: string): string {
  const bytes = s.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  return Buffer.from(bytes, "latin1").toString("utf8");
}

function htmlPart(raw: string, contentType: string | undefined): string {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType ?? "")?.[1];
  if (!boundary) return "";
  for (const part of raw.split(`--${boundary}`)) {
    const split = part.search(/\r?\n\r?\n/);
    if (split < 0) continue;
    const headers = parseHeaders(part.slice(0, split).trim());
    if (!(headers["content-type"] ?? "").startsWith("text/html")) continue;
    const body = part.slice(split).trim();
    return (headers["content-transfer-encoding"] ?? "").toLowerCase() === "base64"
      ? Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8")
      : decodeQuotedPrintable(body);
  }
  return "";
}

function decodeSubject(v: string): string {
  return v.replace(/=\?utf-8\?([BQ])\?([^?]*)\?=\s*/gi, (_, enc: string, text: string) =>
    enc.toUpperCase() === "B" ? Buffer.from(text, "base64").toString("utf8") : decodeQuotedPrintable(text.replace(/_/g, " ")),
  );
}

export async function startSmtpServer(): Promise<TestSmtpServer> {
  const port = await freePort();
  const received: ReceivedMail[] = [];
  let server: SMTPServer | undefined;
  const make = () =>
    new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("end", () => {
          const raw = Buffer.concat(chunks).toString("utf8");
          const split = raw.search(/\r?\n\r?\n/);
          const headers = parseHeaders(raw.slice(0, split));
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
            headers,
            subject: decodeSubject(headers.subject ?? ""),
            html: htmlPart(raw, headers["content-type"]),
          });
          callback();
        });
      },
    });
  const api: TestSmtpServer = {
    port,
    url: `smtp://127.0.0.1:${port}`,
    received,
    to: (address, event) => received.filter((m) => m.to.includes(address) && (event === undefined || m.headers["x-cartwright-event"] === event)),
    async start() {
      if (server) return;
      server = make();
      await new Promise<void>((resolve, reject) => {
        server!.once("error", reject);
        server!.listen(port, "127.0.0.1", () => resolve());
      });
    },
    async stop() {
      const s = server;
      server = undefined;
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
  await api.start();
  return api;
}
