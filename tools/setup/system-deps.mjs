#!/usr/bin/env node
// Ensures the system packages the test suite needs beyond Node: Debian's Chromium (printing notices to PDF,
// browser tests) and a CJK font (Chinese text in PDFs). Installs them with apt-get when running as root on
// Debian and they are missing; otherwise prints what to install and exits 1. Never downloads a browser.
import { existsSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(chromium);
const hasCjkFont = (() => {
  try {
    return execFileSync('fc-list', [':lang=zh'], { encoding: 'utf8' }).trim().length > 0;
  } catch {
    return false;
  }
})();
const missing = [...(hasChromium ? [] : ['chromium']), ...(hasCjkFont ? [] : ['fonts-noto-cjk'])];
if (missing.length === 0) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (isRoot && existsSync('/usr/bin/apt-get')) {
  console.error(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  if (r.status !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
    r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  }
  process.exit(r.status === 0 ? 0 : 1);
}
console.error(
  `missing system packages: ${missing.join(' ')}\n` +
    `install them (Debian/Ubuntu: sudo apt-get install -y ${missing.join(' ')}) or set CHROMIUM_PATH to a Chromium binary`,
);
process.exit(1);
