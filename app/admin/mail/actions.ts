"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { runAction, type ActionResult } from "@/app/_shared/action";
import { requireAdmin } from "@/lib/auth/session";
import { prisma } from "@/lib/db";
import { parseWith } from "@/lib/http/handler";
import { resendMail, type MailListItem } from "@/lib/mail";

export async function resendMailAction(id: unknown): Promise<ActionResult<MailListItem>> {
  return runAction(async () => {
    await requireAdmin();
    const message = await resendMail(prisma(), parseWith(z.uuid("Not a message id"), id));
    revalidatePath("/admin/mail", "layout");
    return message;
  });
}
