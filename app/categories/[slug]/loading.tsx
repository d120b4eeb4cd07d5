import { LoadingGrid } from "@/components/loading-grid";

export default function Loading() {
  return <LoadingGrid label="Loading this category…" />;
}
