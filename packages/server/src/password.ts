/**
 * Password hashing with scrypt (node:crypto), stored as a self-describing string
 * `scrypt$<log2 N>$<r>$<p>$<salt base64url>$<hash base64url>` so the cost can be raised later
 * without breaking old hashes. Verification is timing-safe.
 *
 * @example
 * ```ts
 * const stored = await hashPassword('s3cret-Pass');
 * await verifyPassword('s3cret-Pass', stored); // true
 * ```
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** scrypt cost parameters. The default follows OWASP's recommendation (N = 2^17, r = 8, p = 1). */
export interface ScryptCost {
  readonly log2N: number;
  readonly r: number;
  readonly p: number;
}

export const DEFAULT_SCRYPT_COST: ScryptCost = { log2N: 17, r: 8, p: 1 };
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

function scryptAsync(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  const N = 2 ** cost.log2N;
  const options: ScryptOptions = { N, r: cost.r, p: cost.p, maxmem: 256 * N * cost.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, options, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** Hashes a password with a fresh random salt. */
export async function hashPassword(
  password: string,
  cost: ScryptCost = DEFAULT_SCRYPT_COST,
): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await scryptAsync(password, salt, cost);
  return ['scrypt', cost.log2N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  );
}

const FORMAT = /^scrypt\$(\d{1,2})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9_-]{8,64})\$([A-Za-z0-9_-]{16,128})$/;

/**
 * True when `password` matches `stored`. A malformed `stored` value (or an absurd cost) is
 * `false`, never an exception.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = FORMAT.exec(stored);
  if (m === null) return false;
  const cost: ScryptCost = { log2N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  if (cost.log2N < 10 || cost.log2N > 20 || cost.r < 1 || cost.r > 32 || cost.p < 1 || cost.p > 16)
    return false;
  const expected = Buffer.from(m[5] ?? '', 'base64url');
  const key = await scryptAsync(password, Buffer.from(m[4] ?? '', 'base64url'), cost);
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/**
 * A hash of a random password, used to spend the same time on an unknown username as on a
 * wrong password (so response times do not reveal which usernames exist).
 */
export async function dummyHash(cost: ScryptCost = DEFAULT_SCRYPT_COST): Promise<string> {
  return hashPassword(randomBytes(16).toString('hex'), cost);
}
