import { describe, expect, it } from "vitest";
import { ApiError, passwordKey, problemKey } from "../api/problem";
import { formatAmount, formatSize, pickLanguage } from "../i18n/format";
import { applyLook, contrastWithWhite, slugShapeOk } from "./branding";
import { tokenOf } from "./fragment";
import { afterSignIn } from "./landing";
import { portalPath } from "./links";
import { passwordProblem } from "./password";

describe("formatting per locale", () => {
  it("writes sizes in decimal units in each language", () => {
    expect(formatSize(1_500_000, "en")).toBe("1.5 MB");
    expect(formatSize(1_500_000, "sv")).toMatch(/^1,5\sMB$/);
    expect(formatSize(1_500_000, "de")).toMatch(/^1,5\sMB$/);
    expect(formatSize(12, "en")).toBe("12 bytes");
  });
  it("writes amounts in öre as the currency", () => {
    expect(formatAmount(12_345, "sv")).toMatch(/^123,45\skr$/);
  });
  it("picks the first supported language the browser prefers", () => {
    expect(pickLanguage(["fr-FR", "de-AT", "en"])).toBe("de");
    expect(pickLanguage(["fr"])).toBe("en");
  });
});

describe("links and landing", () => {
  it("reads the token from the fragment", () => {
    expect(tokenOf("#token=abc-123")).toBe("abc-123");
    expect(tokenOf("")).toBeNull();
  });
  it("goes on to the page a link named, through the chooser when several clients", () => {
    expect(afterSignIn("/documents/1", 1)).toBe("/documents/1");
    expect(afterSignIn("/documents/1", 2)).toBe("/choose?next=%2Fdocuments%2F1");
    expect(afterSignIn("//evil.example", 1)).toBe("/");
  });
  it("turns a notification's absolute link into a path", () => {
    expect(portalPath("http://portal.example/documents/9", "http://portal.example")).toBe(
      "/documents/9",
    );
    expect(portalPath("/notifications")).toBe("/notifications");
  });
});

describe("passwords and problems", () => {
  it("says what is wrong with a password before it is sent", () => {
    expect(passwordProblem("short")).toBe("password.tooShort");
    expect(passwordProblem("a".repeat(20))).toBe("password.tooCommon");
    expect(passwordProblem("x".repeat(65))).toBe("password.tooLong");
    expect(passwordProblem("correct horse battery")).toBeNull();
  });
  it("maps the service's words and statuses onto catalog keys", () => {
    expect(passwordKey("This password is too common; choose another.")).toBe("password.tooCommon");
    expect(passwordKey("A password needs at least 15 characters.")).toBe("password.tooShort");
    expect(passwordKey("A password may have at most 64 characters.")).toBe("password.tooLong");
    expect(problemKey(new ApiError(429, {}))).toBe("errors.tooMany");
    expect(problemKey(new ApiError(410, { field: "token" }))).toBe("errors.linkExpired");
    expect(problemKey(new TypeError("offline"))).toBe("errors.network");
  });
});

describe("resumable uploads", () => {
  it("sends only the parts the server has not got", async () => {
    const { missingParts, resumeKey } = await import("./upload");
    expect(missingParts(20, 8, [])).toEqual([1, 2, 3]);
    expect(missingParts(20, 8, [1, 3])).toEqual([2]);
    expect(missingParts(16, 8, [1, 2])).toEqual([]);
    expect(resumeKey("f1", { name: "a.pdf", size: 3 })).toBe("portal.upload.f1.3.a.pdf");
  });
});

describe("branding", () => {
  it("measures white text on a colour as WCAG does, rounded down", () => {
    expect(contrastWithWhite("#000000")).toBe(21);
    expect(contrastWithWhite("#ffffff")).toBe(1);
    expect(contrastWithWhite("#767676")).toBe(4.54);
    expect(contrastWithWhite("#ffcc00")).toBe(1.51);
    expect(contrastWithWhite("blue")).toBeNull();
  });
  it("knows the shape of a portal address", () => {
    expect(slugShapeOk("bokforing-ab")).toBe(true);
    for (const bad of ["ab", "Bok", "-ab", "ab-", "a--b", "a_b", "x".repeat(41)]) {
      expect(slugShapeOk(bad)).toBe(false);
    }
  });
  it("sets only #rrggbb colours as custom properties", () => {
    const element = { style: new Map<string, string>() };
    const style = {
      setProperty: (name: string, value: string) => element.style.set(name, value),
      removeProperty: (name: string) => element.style.delete(name),
    };
    const target = { style } as unknown as HTMLElement;
    applyLook({ primary_color: "#0B5394", accent_color: "red;x" }, target);
    expect([...element.style]).toEqual([["--brand-primary", "#0b5394"]]);
    applyLook(null, target);
    expect(element.style.size).toBe(0);
  });
});
