import type { Metadata } from "next";
import Link from "next/link";
import { notFound, redirect } from "next/navigation";
import { getAddress } from "@/lib/address-book";
import { currentUser } from "@/lib/auth/session";
import { prisma } from "@/lib/db";
import { isDomainError } from "@/lib/errors";
import { AddressBookForm } from "@/components/address-book-form";
import { privatePageMetadata } from "../../../_shared/metadata";

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  const { id } = await params;
  return privatePageMetadata("Edit address", `/account/addresses/${encodeURIComponent(id)}`, "Edit a saved shipping address.");
}
export const dynamic = "force-dynamic";

export default async function EditAddressPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await currentUser();
  if (!user) redirect(`/signin?callbackUrl=${encodeURIComponent(`/account/addresses/${id}`)}`);
  let address;
  try {
    address = await getAddress(prisma(), user.id, id);
  } catch (e) {
    // another account's address is "not found", like one that does not exist
    if (isDomainError(e) && e.code === "not_found") notFound();
    throw e;
  }
  return (
    <div className="stack">
      <h1>Edit address</h1>
      <p>
        <Link href="/account/addresses">All addresses</Link>
      </p>
      <section className="panel">
        <AddressBookForm address={address} />
      </section>
    </div>
  );
}
