// @ts-check
const isProd = process.env.NODE_ENV === "production";

// The API's answers are JSON: their policy needs no nonce. Pages get theirs, with a nonce per response, from
// proxy.ts (lib/http/csp.ts), so no inline script runs without it.
const apiCsp = [
  "default-src 'self'",
  "script-src 'self' https://js.stripe.com",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self' https://api.stripe.com",
  "frame-src https://js.stripe.com https://hooks.stripe.com",
  "frame-ancestors 'none'",
  "form-action 'self'",
  "base-uri 'self'",
  "object-src 'none'",
].join("; ");

/** @type {import('next').NextConfig} */
const nextConfig = {
  // tests build into their own folder so they never clobber the build `npm start` serves
  distDir: process.env.NEXT_DIST_DIR || ".next",
  // `npm test` typechecks the whole repo with tsc as its own step; the build need not do it again
  typescript: { ignoreBuildErrors: true },
  poweredByHeader: false,
  reactStrictMode: true,
  serverExternalPackages: ["pg", "@prisma/adapter-pg", "redis", "@electric-sql/pglite", "@electric-sql/pglite-socket", "pino", "prom-client"],
  turbopack: { root: import.meta.dirname },
  async headers() {
    return [
      { source: "/api/:path*", headers: [{ key: "Content-Security-Policy", value: apiCsp }] },
      {
        source: "/:path*",
        headers: [
          { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "X-Frame-Options", value: "DENY" },
          { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=(self \"https://js.stripe.com\")" },
          ...(isProd ? [{ key: "Strict-Transport-Security", value: "max-age=31536000; includeSubDomains" }] : []),
        ],
      },
    ];
  },
};

export default nextConfig;
