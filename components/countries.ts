/** The countries the address forms offer (code, name); a plain module so server components can read it too. */
export const COUNTRIES: [string, string][] = [
  ["US", "United States"], ["CA", "Canada"], ["MX", "Mexico"], ["GB", "United Kingdom"], ["DE", "Germany"], ["FR", "France"],
  ["NL", "Netherlands"], ["IE", "Ireland"], ["ES", "Spain"], ["IT", "Italy"], ["JP", "Japan"], ["AU", "Australia"],
];
