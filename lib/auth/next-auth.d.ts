import type { Role } from "../db/generated/enums";

// What our callbacks put into the JWT and the session (lib/auth/options.ts).
declare module "next-auth" {
  interface Session {
    user: { id: string; email: string; role: Role };
  }
  interface User {
    role: Role;
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    id?: string;
    /** the session's random id (lib/auth/sessions.ts); the role is never trusted from the token */
    sid?: string;
    role?: Role;
  }
}
