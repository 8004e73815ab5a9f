import { describe, expect, it } from "vitest";
import { statementCsv } from "./Billing";
import { firmPathFor } from "./FirmLayout";
import { admitted, type Folder, tree } from "./folders";
import { refusalKey } from "./PortalAccess";

const contact = (id: string, first: string, portal: boolean) => ({
  client_id: "c",
  contact_id: id,
  roles: [],
  primary: false,
  contact: {
    id,
    first_name: first,
    last_name: "K",
    email: null,
    phone: null,
    has_personal_number: false,
    language: "sv" as const,
    portal_access: portal,
  },
});
const people = [contact("a", "Anna", true), contact("b", "Bo", true), contact("c", "Cia", false)];

describe("who at the customer a folder admits", () => {
  it("nobody below read", () => {
    expect(admitted({ level: "none", audience: "all", primary_manages: false }, people)).toEqual(
      [],
    );
  });
  it("every portal contact, or only the chosen ones with portal access", () => {
    expect(admitted({ level: "read", audience: "all", primary_manages: false }, people)).toEqual([
      "Anna K",
      "Bo K",
    ]);
    expect(
      admitted({ level: "upload", audience: ["b", "c"], primary_manages: false }, people),
    ).toEqual(["Bo K"]);
  });
});

const folder = (id: string, parent: string | null): Folder => ({
  id,
  client_id: "c",
  parent_id: parent,
  name: id,
  rules: { level: "read", audience: "all", primary_manages: false },
  document_count: 0,
  total_size: 0,
  created_at: "",
  updated_at: "",
});

describe("the folder tree", () => {
  it("puts each parent before its children, with depth", () => {
    const order = tree([folder("sub", "top"), folder("top", null), folder("other", null)]);
    expect(order.map((f) => [f.folder.id, f.depth])).toEqual([
      ["top", 0],
      ["sub", 1],
      ["other", 0],
    ]);
  });
  it("shows a subfolder whose parent is not visible at the top", () => {
    expect(tree([folder("orphan", "hidden")]).map((f) => f.depth)).toEqual([0]);
  });
});

describe("small rules of the firm's pages", () => {
  it("says why portal access is refused, by the field the API names", () => {
    expect(refusalKey("email")).toBe("firm.access.noEmail");
    expect(refusalKey("client_ids")).toBe("firm.access.noContact");
    expect(refusalKey(undefined)).toBe("errors.invalid");
  });
  it("leads a staff user from a customer path to the firm's page of it", () => {
    expect(firmPathFor("/")).toBe("/firm");
    expect(firmPathFor("/documents/1")).toBe("/firm/documents/1");
  });
  it("writes a statement as CSV with VAT on its own line, quotes escaped", () => {
    const csv = statementCsv({
      month: "2026-11",
      currency: "SEK",
      lines: [
        {
          description: 'Block "10 GB"',
          quantity: 2,
          unit_price_ore: 7900,
          amount_ore: 15800,
          amount_sek: "158.00",
        },
      ],
      subtotal_ore: 15800,
      vat_percent: 25,
      vat_ore: 3950,
      total_ore: 19750,
      subtotal_sek: "158.00",
      vat_sek: "39.50",
      total_sek: "197.50",
    });
    expect(csv.split("\n")).toEqual([
      '"description","quantity","unit_price_sek","amount_sek"',
      '"Block ""10 GB""","2","79.00","158.00"',
      '"subtotal","","","158.00"',
      '"VAT 25 %","","","39.50"',
      '"total","","","197.50"',
    ]);
  });
});
