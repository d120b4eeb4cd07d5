import { NextResponse, type NextRequest } from "next/server";
import { newNonce, pageCsp } from "@/lib/http/csp";

// Next 16's proxy (formerly middleware): every page response gets a Content-Security-Policy with a nonce of its
// own. The policy goes on the request too, which is where Next reads the nonce to put on the scripts it renders.
// The pages render per request (the layout reads the session and cart cookies), so every one gets a fresh nonce.
export function proxy(request: NextRequest) {
  const csp = pageCsp(newNonce(), { dev: process.env.NODE_ENV === "development" });
  const headers = new Headers(request.headers);
  headers.set("content-security-policy", csp);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("content-security-policy", csp);
  return response;
}

export const config = {
  matcher: [
    {
      // pages and server actions; not the API (next.config.js gives it a fixed policy), static files or prefetches
      source: "/((?!api/|_next/static|_next/image|favicon.ico).*)",
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
