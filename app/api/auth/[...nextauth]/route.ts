import NextAuth from "next-auth";
import { authOptions } from "@/lib/auth/options";

// next-auth v4 serves sign-in, sign-out, session and CSRF endpoints under /api/auth/* from this one handler.
const handler = NextAuth(authOptions);

export { handler as GET, handler as POST };
