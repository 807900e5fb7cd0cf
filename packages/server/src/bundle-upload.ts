/**
 * Turns an uploaded pilot bundle into the `path → content` map the pilot validator reads: a zip
 * (`application/zip`), a tar (`application/x-tar`) or a gzipped tar (`application/gzip`). Limits
 * hold against archive bombs: at most {@link MAX_ARCHIVE_FILES} files, {@link MAX_FILE_BYTES} per
 * file and {@link MAX_TOTAL_BYTES} in all, checked before (zip, gzip) or while (tar) inflating.
 * A single top-level folder holding the manifest is stripped; hidden files and folders are skipped;
 * paths with `..`, absolute paths and non-UTF-8 content are refused.
 *
 * @example
 * ```ts
 * const files = filesFromArchive('application/zip', body); // { 'pilot.yaml': '…', 'forms/x.json': '…' }
 * ```
 */
import { gunzipSync } from 'node:zlib';
import { unzipSync } from 'fflate';
import { parseTar } from 'nanotar';
import { apiError } from './errors.js';

export const MAX_ARCHIVE_FILES = 2000;
export const MAX_FILE_BYTES = 5 * 1024 * 1024;
export const MAX_TOTAL_BYTES = 50 * 1024 * 1024;

/** Media types accepted for archive uploads. */
export const ARCHIVE_MEDIA_TYPES = [
  'application/zip',
  'application/x-tar',
  'application/gzip',
  'application/x-gzip',
] as const;

const decoder = new TextDecoder('utf-8', { fatal: true });

function bad(reason: string): never {
  throw apiError('API_ERR_BAD_ARCHIVE', { reason });
}

function cleanPath(raw: string): string | null {
  const path = raw.replace(/\\/g, '/').replace(/^\.\//, '');
  if (path === '' || path.endsWith('/')) return null;
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) bad(`absolute path ${path}`);
  const parts = path.split('/');
  if (parts.includes('..')) bad(`path escapes the bundle: ${path}`);
  if (parts.some((p) => p.startsWith('.') || p === '__MACOSX')) return null;
  return path;
}

function addFile(out: Map<string, string>, raw: string, data: Uint8Array, total: { bytes: number }): void {
  const path = cleanPath(raw);
  if (path === null) return;
  if (out.size >= MAX_ARCHIVE_FILES) bad(`more than ${MAX_ARCHIVE_FILES} files`);
  if (data.byteLength > MAX_FILE_BYTES) bad(`${path} is larger than ${MAX_FILE_BYTES} bytes`);
  total.bytes += data.byteLength;
  if (total.bytes > MAX_TOTAL_BYTES) bad(`more than ${MAX_TOTAL_BYTES} bytes uncompressed`);
  let text: string;
  try {
    text = decoder.decode(data);
  } catch {
    return bad(`${path} is not UTF-8 text`);
  }
  out.set(path, text);
}

/** Strips one common top-level folder when the manifest is inside it. */
function stripCommonRoot(files: Map<string, string>): Record<string, string> {
  const paths = [...files.keys()];
  const hasRootManifest = paths.some((p) => /^pilot\.(ya?ml|json)$/.test(p));
  const first = paths[0]?.split('/')[0];
  const prefix = first === undefined ? '' : `${first}/`;
  const strip =
    !hasRootManifest &&
    paths.length > 0 &&
    paths.every((p) => p.startsWith(prefix)) &&
    paths.some((p) => /^pilot\.(ya?ml|json)$/.test(p.slice(prefix.length)));
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [p, text] of files) out[strip ? p.slice(prefix.length) : p] = text;
  return out;
}

/** Reads an uploaded archive (see the module docs). */
export function filesFromArchive(mediaType: string, body: Buffer): Record<string, string> {
  const out = new Map<string, string>();
  const total = { bytes: 0 };
  if (mediaType === 'application/zip') {
    let entries: Record<string, Uint8Array>;
    try {
      let count = 0;
      let declared = 0;
      entries = unzipSync(body, {
        filter: (f) => {
          count += 1;
          declared += f.originalSize;
          if (count > MAX_ARCHIVE_FILES * 2) bad(`more than ${MAX_ARCHIVE_FILES} files`);
          if (f.originalSize > MAX_FILE_BYTES) bad(`${f.name} is larger than ${MAX_FILE_BYTES} bytes`);
          if (declared > MAX_TOTAL_BYTES) bad(`more than ${MAX_TOTAL_BYTES} bytes uncompressed`);
          return !f.name.endsWith('/');
        },
      });
    } catch (e) {
      if (e instanceof Error && 'code' in e && (e as { code: unknown }).code === 'API_ERR_BAD_ARCHIVE')
        throw e;
      return bad('not a readable zip file');
    }
    for (const [name, data] of Object.entries(entries)) addFile(out, name, data, total);
  } else {
    let tar: Buffer = body;
    if (mediaType === 'application/gzip' || mediaType === 'application/x-gzip') {
      try {
        tar = gunzipSync(body, { maxOutputLength: MAX_TOTAL_BYTES + 1024 * 1024 });
      } catch {
        return bad('not a readable gzip file, or larger than the limit uncompressed');
      }
    }
    if (tar.byteLength < 512 || tar.toString('latin1', 257, 262) !== 'ustar') {
      if (!(tar.byteLength >= 512 && tar.subarray(0, 512).some((b) => b !== 0)))
        bad('not a readable tar file');
      if (tar.toString('latin1', 257, 262) !== 'ustar') bad('not a ustar tar file');
    }
    let items: Array<{ name: string; type?: string; data?: Uint8Array }>;
    try {
      items = parseTar(tar);
    } catch {
      return bad('not a readable tar file');
    }
    for (const item of items) {
      if (item.type !== undefined && item.type !== 'file') continue;
      addFile(out, item.name, item.data ?? new Uint8Array(), total);
    }
  }
  if (out.size === 0) bad('the archive holds no files');
  return stripCommonRoot(out);
}
