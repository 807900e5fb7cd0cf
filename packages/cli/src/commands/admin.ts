/**
 * Administration for installers and scripts, against the database named by `--database-url` /
 * `DATABASE_URL`, or the embedded PGlite under `--data-dir` (default `.data/pglite`):
 *
 * - `shidian county add <countyId> --name 惠安县 --short-name 惠安 [--province fj] [--kind province]`
 * - `shidian unit add <unitId> --county huian --name 信访局 [--parent <unitId>] [--kind petition-bureau]`
 * - `shidian user add --county huian [--unit xfj] --role registrar [--role handler] --username zhang --password-stdin`
 * - `shidian user disable --username zhang`
 *
 * Exit codes: 0 done; 1 it already exists (nothing changed); 2 usage or input error (unknown county,
 * bad id, weak password, database locked or unreachable). `--json` prints one JSON object.
 *
 * @example
 * ```sh
 * printf '%s\n' "$PASSWORD" | pnpm -s shidian user add --county huian --unit xfj --role registrar --username zhang --password-stdin
 * ```
 */
import type { Command } from 'commander';
import { isStoreError, MembershipRepository, openStore, UserRepository, type Store } from '@shidian/store';
import { hashPassword, ROLES } from '@shidian/server';
import { CliExit } from '../exit.js';
import type { Register } from './index.js';

interface DbOptions {
  databaseUrl?: string;
  dataDir?: string;
  json?: boolean;
}

const MIN_PASSWORD_LENGTH = 10;

function dbOptions(cmd: Command): Command {
  return cmd
    .option('--database-url <url>', 'PostgreSQL URL (default: $DATABASE_URL, else the embedded database)')
    .option('--data-dir <dir>', 'embedded database directory (default .data/pglite)')
    .option('--json', 'print the result as JSON');
}

function print(opts: DbOptions, human: string, data: Record<string, unknown>): void {
  if (opts.json === true) process.stdout.write(JSON.stringify({ ok: true, ...data }) + '\n');
  else console.log(human);
}

function fail(opts: DbOptions, code: string, message: string, exitCode: 1 | 2, details?: unknown): never {
  if (opts.json === true) process.stdout.write(JSON.stringify({ ok: false, code, message, details }) + '\n');
  else console.error(`${code}: ${message}`);
  throw new CliExit(exitCode);
}

async function withStore<T>(opts: DbOptions, fn: (store: Store) => Promise<T>): Promise<T> {
  let store: Store;
  try {
    store = await openStore({
      ...(opts.databaseUrl === undefined ? {} : { databaseUrl: opts.databaseUrl }),
      ...(opts.dataDir === undefined ? {} : { dataDir: opts.dataDir }),
    });
  } catch (e) {
    if (isStoreError(e)) fail(opts, e.code, e.messageEn, 2, e.details);
    fail(
      opts,
      'CLI_ERR_DATABASE',
      `cannot open the database: ${e instanceof Error ? e.message : String(e)}`,
      2,
    );
  }
  try {
    return await fn(store);
  } catch (e) {
    if (isStoreError(e)) fail(opts, e.code, e.messageEn, e.status === 409 ? 1 : 2, e.details);
    throw e;
  } finally {
    await store.close();
  }
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY === true) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

const registerCounty = (program: Command): void => {
  const county = program.command('county').description('manage counties and provinces');
  dbOptions(
    county
      .command('add <countyId>')
      .description('add a county (or with --kind province, a province)')
      .requiredOption('--name <name>', 'full name, e.g. 惠安县')
      .requiredOption('--short-name <short>', 'short name used in case numbers, e.g. 惠安')
      .option('--province <provinceId>', 'the province the county belongs to')
      .option('--kind <kind>', 'county or province', 'county')
      .option('--case-number-format <format>', 'case number pattern, e.g. {year}-{short}-{seq:6}'),
  ).action(
    async (
      countyId: string,
      opts: DbOptions & {
        name: string;
        shortName: string;
        province?: string;
        kind: string;
        caseNumberFormat?: string;
      },
    ) => {
      if (opts.kind !== 'county' && opts.kind !== 'province')
        fail(opts, 'CLI_ERR_USAGE', '--kind must be county or province', 2);
      const row = await withStore(opts, (store) =>
        store.counties.create({
          countyId,
          name: opts.name,
          shortName: opts.shortName,
          kind: opts.kind as 'county' | 'province',
          parentId: opts.province ?? null,
          ...(opts.caseNumberFormat === undefined ? {} : { caseNumberFormat: opts.caseNumberFormat }),
        }),
      );
      print(opts, `added ${row.kind} ${row.county_id} (${row.name})`, {
        countyId: row.county_id,
        kind: row.kind,
        parentId: row.parent_id,
      });
    },
  );
};

const registerUnit = (program: Command): void => {
  const unit = program
    .command('unit')
    .description('manage units (信访局, townships, departments) of a county');
  dbOptions(
    unit
      .command('add <unitId>')
      .description('add a unit to a county')
      .requiredOption('--county <countyId>', 'the county')
      .requiredOption('--name <name>', 'the unit name, e.g. 县信访局')
      .option('--parent <unitId>', 'parent unit')
      .option('--kind <kind>', 'unit kind, e.g. petition-bureau, township, department', 'department'),
  ).action(
    async (
      unitId: string,
      opts: DbOptions & { county: string; name: string; parent?: string; kind: string },
    ) => {
      const row = await withStore(opts, async (store) => {
        await store.counties.get(opts.county);
        return store.units.create({
          countyId: opts.county,
          unitId,
          name: opts.name,
          parentUnitId: opts.parent ?? null,
          kind: opts.kind,
        });
      });
      print(opts, `added unit ${row.unit_id} (${row.name}) to ${row.county_id}`, {
        countyId: row.county_id,
        unitId: row.unit_id,
      });
    },
  );
};

const registerUser = (program: Command): void => {
  const user = program.command('user').description('manage staff accounts');
  dbOptions(
    user
      .command('add')
      .description(
        'add a user with one or more roles in a county (and unit); the password is read from standard input',
      )
      .requiredOption('--county <countyId>', 'county (or province, for province_reader) the roles apply in')
      .option('--unit <unitId>', 'unit the roles are limited to (default: the whole county)')
      .requiredOption(
        '--role <role...>',
        `role(s): ${ROLES.join(', ')}, or a role the pilot defines (head, mediator, …)`,
      )
      .requiredOption('--username <username>', 'login name')
      .option('--display-name <name>', 'name shown to colleagues (default: the username)')
      .option('--password-stdin', 'read the password from standard input (required)'),
  ).action(
    async (
      opts: DbOptions & {
        county: string;
        unit?: string;
        role: string[];
        username: string;
        displayName?: string;
        passwordStdin?: boolean;
      },
    ) => {
      const bad = opts.role.filter((r) => !/^[a-z][a-z0-9_-]{0,63}$/.test(r));
      if (bad.length > 0)
        fail(
          opts,
          'CLI_ERR_USAGE',
          `invalid role id(s) ${bad.join(', ')}; standard roles: ${ROLES.join(', ')} (pilot roles such as head or mediator also work)`,
          2,
        );
      if (opts.passwordStdin !== true)
        fail(
          opts,
          'CLI_ERR_USAGE',
          'pass --password-stdin and pipe the password in (never on the command line)',
          2,
        );
      const password = await readStdin();
      if ([...password].length < MIN_PASSWORD_LENGTH)
        fail(
          opts,
          'CLI_ERR_WEAK_PASSWORD',
          `the password needs at least ${MIN_PASSWORD_LENGTH} characters`,
          2,
        );
      const passwordHash = await hashPassword(password);
      const created = await withStore(opts, async (store) => {
        await store.counties.get(opts.county);
        if (opts.unit !== undefined && (await store.units.find(opts.county, opts.unit)) === undefined) {
          fail(opts, 'STORE_ERR_UNIT_NOT_FOUND', `no unit ${opts.unit} in ${opts.county}`, 2);
        }
        return store.db.transaction().execute(async (trx) => {
          const users = new UserRepository(trx);
          const memberships = new MembershipRepository(trx);
          const u = await users.create({
            countyId: opts.county,
            username: opts.username,
            displayName: opts.displayName ?? opts.username,
            passwordHash,
          });
          for (const role of opts.role)
            await memberships.grant({
              countyId: opts.county,
              userId: u.user_id,
              unitId: opts.unit ?? null,
              role,
            });
          return u;
        });
      });
      print(
        opts,
        `added user ${created.username} (${created.user_id}) with ${opts.role.join(', ')} in ${opts.county}${opts.unit === undefined ? '' : `/${opts.unit}`}`,
        {
          userId: created.user_id,
          username: created.username,
          roles: opts.role,
        },
      );
    },
  );
  dbOptions(
    user
      .command('disable')
      .description('disable an account: it can no longer log in and its sessions are revoked')
      .requiredOption('--username <username>', 'login name'),
  ).action(async (opts: DbOptions & { username: string }) => {
    const row = await withStore(opts, async (store) => {
      const u = await store.users.findByUsername(opts.username);
      if (u === undefined) fail(opts, 'STORE_ERR_USER_NOT_FOUND', `no user ${opts.username}`, 2);
      return store.users.disable(u.user_id);
    });
    print(opts, `disabled ${row.username}`, { userId: row.user_id, username: row.username, disabled: true });
  });
};

/** Registers `county`, `unit` and `user` command groups. */
export const register: Register = (program) => {
  registerCounty(program);
  registerUnit(program);
  registerUser(program);
};
