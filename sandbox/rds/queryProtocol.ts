/**
 * The AWS Query protocol as RDS speaks it: form-encoded requests (`Action=…&Version=2014-10-31&…`, lists flattened
 * as `Filters.Filter.1.Name` / `Filters.Filter.1.Values.Value.1` / `ExportOnly.member.1`) and XML answers
 * (`<XxxResponse><XxxResult>…</XxxResult><ResponseMetadata>…`, errors as `<ErrorResponse><Error>…`).
 */
import { randomUUID } from 'node:crypto';

export const RDS_XMLNS = 'http://rds.amazonaws.com/doc/2014-10-31/';

/** The parameters of one Query request. */
export class QueryParams {
  constructor(private readonly params: URLSearchParams) {}

  get(name: string): string | undefined {
    return this.params.get(name) ?? undefined;
  }

  /** `Name.member.1`, `Name.member.2`, … (or another member name) until the first gap. */
  list(name: string, member = 'member'): string[] {
    const values: string[] = [];
    for (let i = 1; ; i++) {
      const value = this.params.get(`${name}.${member}.${i}`);
      if (value === null) return values;
      values.push(value);
    }
  }

  /** `Filters.Filter.N.Name` with `Filters.Filter.N.Values.Value.M`. */
  filters(): { name: string; values: string[] }[] {
    const filters: { name: string; values: string[] }[] = [];
    for (let i = 1; ; i++) {
      const name = this.params.get(`Filters.Filter.${i}.Name`);
      if (name === null) return filters;
      filters.push({ name, values: this.list(`Filters.Filter.${i}.Values`, 'Value') });
    }
  }
}

/** A value an XML element can carry; `undefined` leaves the element out, arrays and objects nest. */
export type XmlValue = string | number | boolean | Date | undefined | XmlNode | XmlList;
export interface XmlNode {
  readonly [element: string]: XmlValue;
}
/** A list: each item becomes `<member>…</member>` with the list's member element name. */
export class XmlList {
  constructor(
    readonly member: string,
    readonly items: readonly XmlValue[],
  ) {}
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function toXml(node: XmlNode): string {
  let out = '';
  for (const [name, value] of Object.entries(node)) {
    if (value === undefined) continue;
    out += `<${name}>${valueXml(value)}</${name}>`;
  }
  return out;
}

function valueXml(value: Exclude<XmlValue, undefined>): string {
  if (value instanceof Date) return value.toISOString();
  if (value instanceof XmlList) {
    return value.items
      .filter((item) => item !== undefined)
      .map((item) => `<${value.member}>${valueXml(item as Exclude<XmlValue, undefined>)}</${value.member}>`)
      .join('');
  }
  if (typeof value === 'object') return toXml(value);
  return escapeXml(String(value));
}

/** `<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>…</ActionResponse>`. */
export function resultXml(action: string, result: XmlNode, requestId = randomUUID()): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${RDS_XMLNS}"><${action}Result>${toXml(result)}` +
    `</${action}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`
  );
}

export function errorXml(status: number, code: string, message: string, requestId = randomUUID()): string {
  const type = status >= 500 ? 'Receiver' : 'Sender';
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${RDS_XMLNS}"><Error><Type>${type}</Type>` +
    `<Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}
