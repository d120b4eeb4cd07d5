import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { authenticateWithLimits, SIGN_IN_RATE_LIMITED } from "../accounts/sign-in-limit";
import { prisma } from "../db";
import { env } from "../env";
import { kv } from "../kv";
import { logger } from "../observability/logger";

const SESSION_MAX_AGE_SECONDS = 30 * 24 * 60 * 60;

/**
 * NEXTAUTH_SECRET: signs the session JWT and (through a derived key) the app's own cookies. There is no fallback
 * in any mode: a built-in secret would be public, and anyone could sign a session with it. `npm start` / `npm run
 * dev` generate one into ./.data/secrets.json; tests pass their own.
 */
export function authSecret(): string {
  const secret = env().NEXTAUTH_SECRET;
  if (secret) return secret;
  throw new Error("NEXTAUTH_SECRET is not set: start the store with `npm start` / `npm run dev` (they generate one) or set it.");
}

/**
 * next-auth v4: email + password against our users table, a JWT session (no session table) carrying the user id
 * and role. Cookies are next-auth's defaults: httpOnly, SameSite=Lax, Secure (and `__Secure-` names) when
 * NEXTAUTH_URL is https.
 */
export const authOptions: NextAuthOptions = {
  providers: [
    CredentialsProvider({
      id: "credentials",
      name: "Email and password",
      credentials: {
        email: { label: "Email", type: "email" },
        password: { label: "Password", type: "password" },
      },
      async authorize(credentials, req) {
        // scripts/serve.ts sets X-Forwarded-For to the socket address (or keeps the proxy's with TRUST_PROXY)
        const forwarded = req?.headers?.["x-forwarded-for"];
        const client = (typeof forwarded === "string" ? forwarded.split(",")[0]?.trim() : "") || "unknown";
        const result = await authenticateWithLimits(prisma(), kv(), { email: credentials?.email, password: credentials?.password, client }, {
          onKvError: (e) => logger().warn({ err: String(e) }, "sign-in limits skipped: the KV store is unreachable"),
        });
        if (result.kind === "limited") throw new Error(SIGN_IN_RATE_LIMITED); // next-auth answers it as signIn(...).error
        return result.kind === "ok" ? { id: result.user.id, email: result.user.email, role: result.user.role } : null;
      },
    }),
  ],
  session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
  pages: { signIn: "/signin" },
  // a getter: read when next-auth handles a request, not when this module is imported (e.g. during `next build`)
  get secret() {
    return authSecret();
  },
  callbacks: {
    jwt({ token, user }) {
      // `user` is only present on the sign-in request; later requests carry what was stored here.
      if (user) {
        token.sub = user.id;
        token.id = user.id;
        token.email = user.email;
        token.role = user.role;
      }
      return token;
    },
    session({ session, token }) {
      if (typeof token.id === "string" && typeof token.email === "string" && token.role)
        session.user = { id: token.id, email: token.email, role: token.role };
      return session;
    },
  },
};
