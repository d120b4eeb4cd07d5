/** The shop's search: a plain GET form to /search, so it works before (or without) any JavaScript. */
export function SearchBox({ defaultValue = "", id = "site-search" }: { defaultValue?: string; id?: string }) {
  return (
    <form action="/search" method="get" role="search" className="search-box">
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
