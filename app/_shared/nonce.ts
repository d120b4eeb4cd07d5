import { headers } from "next/headers";

/** This request's CSP nonce (proxy.ts puts the policy on the request), or undefined where there is none. */
export async function requestNonce(): Promise<string | undefined> {
  const csp = (await headers()).get("content-security-policy") ?? "";
  return /'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
}
