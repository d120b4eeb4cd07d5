import type { Metadata } from "next";
import { UserRoleButton } from "@/components/admin/user-role-button";
import { listUsers } from "@/lib/admin/users";
import { prisma } from "@/lib/db";
import { adminUserOrNull } from "../guard";
import { DataTable } from "@/components/table-scroll";
import { privatePageMetadata } from "../../_shared/metadata";

export const metadata: Metadata = privatePageMetadata("Users", "/admin/users", "The shop's accounts and their roles.");
export const dynamic = "force-dynamic";

export default async function AdminUsersPage() {
  const me = await adminUserOrNull("/admin/users");
  if (!me) return null;
  const users = await listUsers(prisma());
  return (
    <div className="stack">
      <h1>Users</h1>
      <p className="muted">
        Administrators can change discounts, stock, prices and roles. A change of role applies at the user&apos;s next request.
        The last administrator cannot be removed.
      </p>
      <DataTable label="Users" testId="admin-users" columns={["E-mail", "Role", "Created", { srOnly: "Change role" }]}>
        {users.map((u) => (
          <tr key={u.id} data-testid="admin-user" data-email={u.email}>
            <td>
              {u.email}
              {u.id === me.id && <span className="muted"> (you)</span>}
            </td>
            <td>{u.role === "ADMIN" ? "Admin" : "Customer"}</td>
            <td>
              <time dateTime={u.createdAt}>{u.createdAt.slice(0, 10)}</time>
            </td>
            <td>
              <UserRoleButton user={u} />
            </td>
          </tr>
        ))}
      </DataTable>
    </div>
  );
}
