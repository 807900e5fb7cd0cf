import type { Lang } from './errors.js';

/**
 * A user-facing text: a plain string (taken as zh-CN and used for every language), or one text per
 * language. zh-CN is the default; English falls back to zh-CN when missing.
 *
 * @example
 * ```ts
 * const label: LocalText = { zh: '身份证号码', en: 'ID number' };
 * pickText(label, 'en'); // 'ID number'
 * ```
 */
export type LocalText = string | { readonly zh: string; readonly en?: string };

/** The text of a {@link LocalText} in a language (falls back to zh-CN). */
export function pickText(text: LocalText, lang: Lang): string {
  if (typeof text === 'string') return text;
  return lang === 'en' ? (text.en ?? text.zh) : text.zh;
}

/** True when a value has the shape of a {@link LocalText}. */
export function isLocalText(v: unknown): v is LocalText {
  if (typeof v === 'string') return true;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return (
    typeof o.zh === 'string' &&
    (o.en === undefined || typeof o.en === 'string') &&
    Object.keys(o).every((k) => k === 'zh' || k === 'en')
  );
}
