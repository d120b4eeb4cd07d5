/** What a listing shows while its products load: the same shell, no layout jump. */
export function LoadingGrid({ label }: { label: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      {label}
    </div>
  );
}
