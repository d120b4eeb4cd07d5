import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { ADDRESS_BOOK_LIMIT, listAddresses } from "@/lib/address-book";
import { currentUser } from "@/lib/auth/session";
import { prisma } from "@/lib/db";
import { AddressBookForm } from "@/components/address-book-form";
import { AddressEntryActions } from "@/components/address-entry-actions";
import { AddressLines } from "@/components/address-lines";
import { privatePageMetadata } from "../../_shared/metadata";

export const metadata: Metadata = privatePageMetadata("Your addresses", "/account/addresses", "Your saved shipping addresses and the default one.");
export const dynamic = "force-dynamic";

const DONE: Record<string, string> = {
  added: "Address saved.",
  saved: "Changes saved.",
  default: "Default address changed.",
  deleted: "Address deleted.",
};

export default async function AddressBookPage({ searchParams }: { searchParams: Promise<{ done?: string | string[] }> }) {
  const user = await currentUser();
  if (!user) redirect("/signin?callbackUrl=/account/addresses");
  const addresses = await listAddresses(prisma(), user.id);
  const done = (await searchParams).done;
  const notice = typeof done === "string" ? DONE[done] : undefined;
  return (
    <div className="stack">
      <h1>Your addresses</h1>
      {notice && (
        <p className="notice" role="status" data-testid="address-book-notice">
          {notice}
        </p>
      )}
      {addresses.length === 0 ? (
        <p className="muted">No saved addresses yet. Add one below, or tick “Save this address” at checkout.</p>
      ) : (
        <ul className="address-book" data-testid="address-book">
          {addresses.map((a) => (
            <li key={a.id} className="panel address-entry" data-testid="address-entry" data-default={a.isDefault ? "true" : "false"}>
              <p className="address-entry-title">
                <strong>{a.label ?? a.name}</strong>
                {a.isDefault && (
                  <span className="status-pill status-active" data-testid="default-badge">
                    Default
                  </span>
                )}
              </p>
              <AddressLines address={a} />
              <div className="address-actions">
                <Link href={`/account/addresses/${a.id}`} className="btn btn-secondary" data-testid="edit-address">
                  Edit<span className="sr-only"> {a.label ?? a.name}</span>
                </Link>
                <AddressEntryActions id={a.id} isDefault={a.isDefault} />
              </div>
            </li>
          ))}
        </ul>
      )}
      <section className="panel" aria-labelledby="add-address-heading">
        <h2 id="add-address-heading">Add an address</h2>
        {addresses.length >= ADDRESS_BOOK_LIMIT ? (
          <p className="muted">Your address book is full ({ADDRESS_BOOK_LIMIT} addresses). Delete one to add another.</p>
        ) : (
          <AddressBookForm />
        )}
      </section>
    </div>
  );
}
