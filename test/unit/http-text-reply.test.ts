/** toResult: a JSON body is serialised with a JSON content-type; a text body (CSV, say) goes out as it is. */
import { describe, expect, it } from "vitest";
import { toResult } from "../../shared/http/route.js";

describe("toResult", () => {
  it("serialises a body as JSON", () => {
    expect(toResult({ status: 200, body: { a: "元" } })).toEqual({
      statusCode: 200,
      headers: { "content-type": "application/json; charset=utf-8" },
      body: '{"a":"元"}',
    });
  });

  it("sends a text body unchanged, BOM and CRLF kept, with the reply's content-type and headers", () => {
    const text = "\uFEFF名称 Name,\"a,b\"\r\n";
    const result = toResult({ status: 200, text, headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": 'attachment; filename="x.csv"' } });
    expect(result).toEqual({
      statusCode: 200,
      headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": 'attachment; filename="x.csv"' },
      body: text,
    });
  });

  it("defaults a text body's content-type to UTF-8 plain text, and sends an empty text", () => {
    expect(toResult({ status: 200, text: "" })).toEqual({ statusCode: 200, headers: { "content-type": "text/plain; charset=utf-8" }, body: "" });
  });

  it("answers no body and no content-type when there is neither", () => {
    expect(toResult({ status: 204 })).toEqual({ statusCode: 204, headers: {} });
  });
});
