import type { ReactNode } from "react";

/**
 * A wide table on a narrow screen scrolls sideways inside this box, never the whole page. The box is a named,
 * focusable region so keyboard users can scroll it too (a scrollable area nobody can focus is unreachable).
 */
export function TableScroll({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="table-scroll" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}

/** A column's heading: its text, or `{ srOnly }` for a column whose heading only a screen reader reads (e.g. actions). */
export type Column = string | { srOnly: string };

/**
 * The store's data table (admin lists, order history): scrolls inside TableScroll, one header row of column
 * headings (`scope="col"`), the rows given as children.
 */
export function DataTable({ label, testId, columns, children }: { label: string; testId?: string; columns: Column[]; children: ReactNode }) {
  return (
    <TableScroll label={label}>
      <table className="admin" data-testid={testId}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col" key={typeof c === "string" ? c : c.srOnly}>
                {typeof c === "string" ? c : <span className="sr-only">{c.srOnly}</span>}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </TableScroll>
  );
}
