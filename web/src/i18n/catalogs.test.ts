import { describe, expect, it } from "vitest";
import de from "./locales/de.json";
import en from "./locales/en.json";
import es from "./locales/es.json";
import sv from "./locales/sv.json";

type Tree = { [key: string]: string | Tree };

function keys(tree: Tree, prefix = ""): string[] {
  return Object.entries(tree).flatMap(([key, value]) =>
    typeof value === "string" ? [`${prefix}${key}`] : keys(value, `${prefix}${key}.`),
  );
}

const catalogs: Record<string, Tree> = { sv, en, de, es };
const every = new Set(Object.values(catalogs).flatMap((catalog) => keys(catalog)));

describe("the four catalogs", () => {
  for (const [language, catalog] of Object.entries(catalogs)) {
    it(`${language} has every key that any catalog has, each with a text`, () => {
      const own = new Set(keys(catalog));
      expect([...every].filter((key) => !own.has(key))).toEqual([]);
      const empty = keys(catalog).filter((key) => {
        const value = key
          .split(".")
          .reduce<string | Tree>((node, part) => (node as Tree)[part] ?? "", catalog);
        return typeof value !== "string" || value.trim() === "";
      });
      expect(empty).toEqual([]);
    });
  }
});
