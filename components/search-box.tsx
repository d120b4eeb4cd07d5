/** The shop's search: a plain GET form to /search, so it works before (or without) any JavaScript. */
// `label` names the search landmark: a page with a second search form (the 404 page) needs the two told apart.
export function SearchBox({ defaultValue = "", id = "site-search", label = "Site search" }: { defaultValue?: string; id?: string; label?: string }) {
  return (
    <form action="/search" method="get" role="search" className="search-box" aria-label={label}>
      <label htmlFor={id} className="sr-only">
        Search products
      </label>
      <input id={id} type="search" name="q" defaultValue={defaultValue} placeholder="Search products" maxLength={200} />
      <button type="submit" className="btn btn-secondary">
        Search
      </button>
    </form>
  );
}
