import { requireAdmin } from "@/lib/auth/session";

/**
 * The admin behind a request, as the order history and the audit log name them: the signed-in admin's e-mail and
 * id, or "admin-api-token" for a headless client holding ADMIN_API_TOKEN. Throws 401/403 like requireAdmin.
 */
export async function adminActor(req?: Request): Promise<string> {
  const p = await requireAdmin(req);
  return p.kind === "user" ? `${p.user.email} (${p.user.id})` : "admin-api-token";
}
