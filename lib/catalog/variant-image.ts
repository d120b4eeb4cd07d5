// Pure: which gallery image shows a variant. Shots differ by colour, not size, so a variant without an image of
// its own takes the image of another variant of the same colour; null means "the product's main image".

type ImageRef = { url: string; variantId: number | null };
type VariantRef = { id: number; attributes: Record<string, string> };

export function imageForVariant(images: readonly ImageRef[], variants: readonly VariantRef[], variantId: number | null): string | null {
  const v = variants.find((x) => x.id === variantId);
  if (!v) return null;
  const own = images.find((i) => i.variantId === v.id);
  if (own) return own.url;
  const colour = v.attributes.color;
  if (!colour) return null;
  const sameColour = new Set(variants.filter((x) => x.attributes.color === colour).map((x) => x.id));
  return images.find((i) => i.variantId !== null && sameColour.has(i.variantId))?.url ?? null;
}
