import { z } from "zod";
import { setUserRole, userIdSchema } from "@/lib/admin/users";
import { adminActor } from "@/app/_shared/admin";
import { prisma } from "@/lib/db";
import { handle, json, parseWith, readJson } from "@/lib/http/handler";

type Ctx = { params: Promise<{ id: string }> };
const params = z.object({ id: userIdSchema });

/** { role: "ADMIN" | "CUSTOMER" } -> { user }; 404 unknown id; 409 conflict when it would demote the last admin. */
export const PATCH = handle(async (req: Request, ctx: Ctx) => {
  const actor = await adminActor(req);
  const { id } = parseWith(params, await ctx.params);
  const body = await readJson(req, z.unknown());
  return json({ user: await setUserRole(prisma(), id, body, actor) });
});
