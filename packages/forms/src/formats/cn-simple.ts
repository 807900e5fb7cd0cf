/**
 * The Chinese formats that are a shape only: mobile numbers, landlines with area code, postal codes.
 * All regular expressions here are anchored and linear (no nested quantifiers).
 */

/**
 * Mainland mobile number: 11 digits starting `13`–`19`, optionally prefixed `+86` / `86` with an
 * optional space or hyphen.
 */
export const CN_MOBILE = /^(?:\+?86[- ]?)?1[3-9]\d{9}$/;

/**
 * Landline with area code: `0` + area code (`10`, `2x`, or three digits `3xx`–`9xx`), an optional
 * hyphen or space, a 7–8 digit local number not starting with 0 or 1, and an optional extension
 * (`-123`, `转123`). Area code in parentheses is accepted: `(010)12345678`.
 */
export const CN_PHONE =
  /^(?:0(?:10|2\d|[3-9]\d{2})|\(0(?:10|2\d|[3-9]\d{2})\))[- ]?[2-9]\d{6,7}(?:(?:-|转)\d{1,6})?$/;

/** Postal code (邮政编码): six digits, the first `0`–`8`. */
export const CN_POSTCODE = /^[0-8]\d{5}$/;

/** True for a mainland mobile number. */
export function isCnMobile(value: string): boolean {
  return CN_MOBILE.test(value);
}
/** True for a landline number with area code. */
export function isCnPhone(value: string): boolean {
  return CN_PHONE.test(value);
}
/** True for a postal code. */
export function isCnPostcode(value: string): boolean {
  return CN_POSTCODE.test(value);
}
