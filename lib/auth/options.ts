import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { nextAuthCookies } from "./cookie-names";
import { authenticateWithLimits, SIGN_IN_RATE_LIMITED } from "../accounts/sign-in-limit";
import { prisma } from "../db";
import { appSecret } from "../env";
import { clientKeyFrom } from "../http/client-key";
import { kv } from "../kv";
import { logger } from "../observability/logger";
import { createSession, revokeSession, sessionUser, SESSION_MAX_AGE_SECONDS } from "./sessions";


/**
 * NEXTAUTH_SECRET: signs the session JWT and (through a derived key) the app's own cookies. There is no fallback
 * in any mode: a built-in secret would be public, and anyone could sign a session with it. `npm start` / `npm run
 * dev` generate one into ./.data/secrets.json; tests pass their own.
 */
export const authSecret = appSecret;

/**
 * next-auth v4: email + password against our users table, a JWT session carrying the user id and a random session
 * id backed by a row in `sessions` (lib/auth/sessions.ts): the JWT alone proves nothing after sign-out, because every
 * read of the session checks that row and takes the role from the database. Cookies: httpOnly,
 * SameSite=Lax, Path=/, and Secure with `__Host-` names when NEXTAUTH_URL is https (cookie-names.ts).
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
        const client = clientKeyFrom(req?.headers);
        const result = await authenticateWithLimits(prisma(), kv(), { email: credentials?.email, password: credentials?.password, client }, {
          onKvError: (e) => logger().warn({ err: String(e) }, "sign-in limits kept in this instance's memory: the KV store is unreachable"),
        });
        if (result.kind === "limited") throw new Error(SIGN_IN_RATE_LIMITED); // next-auth answers it as signIn(...).error
        return result.kind === "ok" ? { id: result.user.id, email: result.user.email, role: result.user.role } : null;
      },
    }),
  ],
  session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
  pages: { signIn: "/signin" },
  // getters: read when next-auth handles a request, not when this module is imported (e.g. during `next build`)
  get cookies() {
    return nextAuthCookies();
  },
  get secret() {
    return authSecret();
  },
  callbacks: {
    async jwt({ token, user }) {
      // `user` is only present on the sign-in request; later requests carry what was stored here.
      if (user) {
        token.sub = user.id;
        token.id = user.id;
        token.email = user.email;
        token.sid = await createSession(prisma(), user.id);
        // the role is read from the database on every request (currentUser); none is kept in the token
        delete token.role;
      }
      return token;
    },
    async session({ session, token }) {
      // GET /api/auth/session: the same check as currentUser, so a revoked session is anonymous here too
      const user = await sessionUser(prisma(), token.sid);
      if (!user) return { expires: session.expires } as typeof session;
      session.user = user;
      return session;
    },
  },
  events: {
    async signOut({ token }) {
      // next-auth's sign-out only deletes the cookie in this browser; revoking the row makes a copy of it worthless
      await revokeSession(prisma(), token?.sid);
    },
  },
};
