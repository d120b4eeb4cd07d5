import { readFileSync } from "node:fs";
import path from "node:path";

// The list is a data file beside this module (one password a line, lower-case, `#` comments), read once per
// process on first use. It is read from the project folder rather than imported so that the bundler does not
// inline 1,500 strings into every server chunk that validates a password; the app always runs from that folder
// (npm start, the test servers, vitest).
const LIST_PATH = path.join(process.cwd(), "lib", "accounts", "common-passwords.txt");

let list: Set<string> | undefined;

function commonPasswords(): Set<string> {
  list ??= new Set(
    readFileSync(LIST_PATH, "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l.length > 0 && !l.startsWith("#")),
  );
  return list;
}

/** True when the password, ignoring case, is on the common-password list. */
export function isCommonPassword(password: string): boolean {
  return commonPasswords().has(password.normalize("NFKC").toLowerCase());
}
