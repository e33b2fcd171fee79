/**
 * Turns a `mysql://` connection string into mysql2 pool options.
 *
 * mysql2 parses URLs itself, but it copies every query option into its config
 * and warns about (or, in later versions, rejects) the ones it does not know.
 * Connection strings written for SQLAlchemy carry such options
 * (`charset=utf8mb4`, `binary_prefix=true`), so we parse the URL here and map
 * each option we know; an unknown one is an `InvalidConfig` rather than a
 * silent drop, because a mistyped `ssl_mode` must not quietly turn TLS off.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js'
import type { PoolOptions } from 'mysql2'
import { invalidConfig, type InvalidConfig } from '../../errors/EventfoldError.js'
import { withSocketHost } from '../socket-host.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * What a connection string configures: mysql2 pool options, always with a
 * database, since the records table lives in it.
 *
 * @category model
 * @since 0.1.0
 */
export type MysqlPoolOptions = PoolOptions & { readonly database: string }

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

type Setting = (value: string) => E.Either<string, Partial<PoolOptions>>

const ignored: Setting = () => E.right({})

const positiveInteger =
  (scale: number, build: (n: number) => Partial<PoolOptions>): Setting =>
  (value) => {
    const n = Number(value)
    return /^\d+$/.test(value) && n > 0 && Number.isSafeInteger(n * scale)
      ? E.right(build(n * scale))
      : E.left(`expects a positive integer, got ${JSON.stringify(value)}`)
  }

const boolean =
  (build: (b: boolean) => Partial<PoolOptions>): Setting =>
  (value) => {
    const v = value.toLowerCase()
    if (['1', 'true', 'yes', 'on'].includes(v)) return E.right(build(true))
    if (['0', 'false', 'no', 'off'].includes(v)) return E.right(build(false))
    return E.left(`expects true or false, got ${JSON.stringify(value)}`)
  }

// Only utf8mb4 keeps every id intact: with utf8 (utf8mb3) or latin1 on the
// wire, distinct 4-byte characters would arrive as the same '?', and two ids
// would collide.
const charset: Setting = (value) =>
  /^utf8mb4(_[a-z0-9_]+)?$/i.test(value)
    ? E.right({ charset: value.toLowerCase() === 'utf8mb4' ? 'UTF8MB4_UNICODE_CI' : value.toUpperCase() })
    : E.left(`must be utf8mb4 (or a utf8mb4 collation), got ${JSON.stringify(value)}`)

// mysql2 cannot fall back from TLS to plain text, so PREFERRED means plain text.
const sslMode: Setting = (value) => {
  switch (value.toUpperCase().replace(/-/g, '_')) {
    case 'DISABLED':
    case 'PREFERRED':
      return E.right({})
    case 'REQUIRED':
      return E.right({ ssl: { rejectUnauthorized: false } })
    case 'VERIFY_CA':
    case 'VERIFY_IDENTITY':
      return E.right({ ssl: { rejectUnauthorized: true } })
    default:
      return E.left(`expects DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY, got ${JSON.stringify(value)}`)
  }
}

const SETTINGS: Readonly<Record<string, Setting>> = {
  // SQLAlchemy / mysqlclient / PyMySQL spellings
  charset,
  binary_prefix: ignored, // mysql2 always sends bytes as X'..' literals
  use_unicode: ignored,
  autocommit: ignored, // we manage our own transactions
  local_infile: ignored, // we never load files
  connect_timeout: positiveInteger(1000, (ms) => ({ connectTimeout: ms })), // seconds
  ssl_mode: sslMode,
  'ssl-mode': sslMode,
  unix_socket: (path) => E.right({ socketPath: path }),
  // mysql2 spellings
  connectTimeout: positiveInteger(1, (ms) => ({ connectTimeout: ms })),
  connectionLimit: positiveInteger(1, (n) => ({ connectionLimit: n })),
  maxIdle: positiveInteger(1, (n) => ({ maxIdle: n })),
  idleTimeout: positiveInteger(1, (ms) => ({ idleTimeout: ms })),
  queueLimit: positiveInteger(1, (n) => ({ queueLimit: n })),
  enableKeepAlive: boolean((b) => ({ enableKeepAlive: b })),
  socketPath: (path) => E.right({ socketPath: path })
}

const SCHEMES = new Set(['mysql:', 'mariadb:'])

// What an error may say of the URL: never its password, and not its query
// either (an option the caller misplaced, such as password=, would show it).
// A URL that does not parse is not shown at all: where its password ends
// cannot be told.
const shown = (parsed: URL | undefined): string => {
  if (parsed === undefined) return 'MySQL URL'
  const user = parsed.username === '' ? '' : `${parsed.username}${parsed.password === '' ? '' : ':***'}@`
  return `MySQL URL ${parsed.protocol}//${user}${parsed.host}${parsed.pathname}`
}

const decode = (s: string): E.Either<string, string> => {
  try {
    return E.right(decodeURIComponent(s))
  } catch {
    return E.left(`${JSON.stringify(s)} is not valid percent-encoding`)
  }
}

/**
 * Parses `mysql://user:password@host:port/database?option=value`. Accepts the
 * `mariadb:` scheme too, and the SQLAlchemy query options `charset` (utf8mb4
 * only), `binary_prefix`, `use_unicode`, `autocommit`, `local_infile`
 * (ignored), `connect_timeout` (seconds), `ssl_mode` and `unix_socket`, and the
 * mysql2 options `connectTimeout`, `connectionLimit`, `maxIdle`,
 * `idleTimeout`, `queueLimit`, `enableKeepAlive` and `socketPath`. Anything
 * else is an `InvalidConfig`. The password never appears in an error.
 *
 * @category utils
 * @since 0.1.0
 */
export const parseMysqlUrl = (url: string): E.Either<InvalidConfig, MysqlPoolOptions> => {
  let parsed: URL
  try {
    parsed = new URL(withSocketHost(url))
  } catch {
    return E.left(invalidConfig(`${shown(undefined)}: not a URL (it is not shown, in case it holds a password)`))
  }
  const fail = (why: string) => E.left(invalidConfig(`${shown(parsed)}: ${why}`))
  if (!SCHEMES.has(parsed.protocol)) return fail(`the scheme must be mysql: or mariadb:, not ${parsed.protocol}`)
  const user = decode(parsed.username)
  const password = decode(parsed.password)
  const database = decode(parsed.pathname.replace(/^\//, ''))
  if (E.isLeft(user)) return fail(user.left)
  if (E.isLeft(password)) return fail(password.left)
  if (E.isLeft(database)) return fail(database.left)
  if (database.right === '' || database.right.includes('/')) return fail('name one database in the path, as in mysql://host/db')
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1')
  let options: PoolOptions = {
    host: host === '' ? 'localhost' : host,
    port: parsed.port === '' ? 3306 : Number(parsed.port),
    database: database.right,
    ...(user.right === '' ? {} : { user: user.right }),
    ...(password.right === '' ? {} : { password: password.right })
  }
  for (const [key, value] of parsed.searchParams) {
    // Own keys only: `constructor` or `__proto__` is no option.
    const setting = Object.hasOwn(SETTINGS, key) ? SETTINGS[key] : undefined
    if (setting === undefined) {
      return fail(`unknown option ${JSON.stringify(key)}; known: ${Object.keys(SETTINGS).join(', ')}`)
    }
    const mapped = setting(value)
    if (E.isLeft(mapped)) return fail(`option ${key} ${mapped.left}`)
    options = { ...options, ...mapped.right }
  }
  return E.right({ ...options, database: database.right })
}
