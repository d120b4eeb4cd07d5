"use client";

import { createContext, useContext, useState, type ReactNode } from "react";
import { imageForVariant } from "@/lib/catalog/variant-image";

type Picked = { pickedId: number | null; setPickedId: (id: number | null) => void };
const Ctx = createContext<Picked>({ pickedId: null, setPickedId: () => {} });

/** The variant picked on a product page, shared by the picker and the main image. */
export function PickedVariantProvider({ initial, children }: { initial: number | null; children: ReactNode }) {
  const [pickedId, setPickedId] = useState(initial);
  return <Ctx.Provider value={{ pickedId, setPickedId }}>{children}</Ctx.Provider>;
}

export function usePickedVariant(): Picked {
  return useContext(Ctx);
}

/** The product's main image, or the picked colour's shot when the gallery has one. */
export function ProductMainImage({
  images,
  variants,
  defaultUrl,
  alt,
}: {
  images: { url: string; alt: string; variantId: number | null }[];
  variants: { id: number; attributes: Record<string, string> }[];
  defaultUrl: string;
  alt: string;
}) {
  const { pickedId } = usePickedVariant();
  const url = imageForVariant(images, variants, pickedId);
  const shot = url ? images.find((i) => i.url === url) : undefined;
  return (
    <div className="product-image">
      {/* eslint-disable-next-line @next/next/no-img-element */}
      <img src={url ?? defaultUrl} alt={shot?.alt ?? alt} width={560} height={560} data-testid="product-main-image" />
    </div>
  );
}
