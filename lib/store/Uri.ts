/**
 * Parses the seed's SQLAlchemy-style connection strings into a dialect and
 * what that dialect needs to connect.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js'
import { invalidConfig, type InvalidConfig } from '../errors/EventfoldError.js'
import { withSocketHost } from './socket-host.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * A parsed connection string.
 *
 * @category model
 * @since 0.1.0
 */
export type Target =
  | { readonly dialect: 'sqlite'; readonly filename: string }
  | { readonly dialect: 'postgres'; readonly url: string }
  | { readonly dialect: 'mysql'; readonly url: string }

/**
 * The connection string used when neither the `uri` option nor `DB_URI` is set.
 *
 * @category constants
 * @since 0.1.0
 */
export const DEFAULT_URI = 'sqlite:///:memory:'

/**
 * The schemes accepted, for error messages and docs.
 *
 * @category constants
 * @since 0.1.0
 */
export const ACCEPTED_SCHEMES: ReadonlyArray<string> = [
  'sqlite',
  'postgresql',
  'postgres',
  'postgresql+<driver>',
  'sqlite+<driver>',
  'mysql',
  'mysql+<driver>',
  'mariadb'
]

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

const SCHEME = /^([a-z][a-z0-9]*)(\+[a-z0-9_]+)?:\/\//i

/**
 * Parses a connection string:
 *
 * - `sqlite:///:memory:` (or `sqlite://`) is an in-memory database;
 * - `sqlite:////abs/path` is an absolute file, `sqlite:///rel/path` a relative one;
 * - `postgresql://…`, `postgres://…` and `postgresql+psycopg2://…` are PostgreSQL;
 * - `mysql://…`, `mysql+pymysql://…`, `mysql+sqlconnector://…` and `mariadb://…` are MySQL.
 *
 * A `+driver` part (`sqlite+pysqlite://`, `postgresql+psycopg2://`…) is
 * accepted and ignored: eventfold brings its own drivers.
 *
 * @example
 * import { parseUri } from 'eventfold'
 * parseUri('sqlite:////tmp/mydatabase') // Right({ dialect: 'sqlite', filename: '/tmp/mydatabase' })
 *
 * @category constructors
 * @since 0.1.0
 */
export const parseUri = (uri: string): E.Either<InvalidConfig, Target> => {
  const match = SCHEME.exec(uri)
  if (match === null) {
    return E.left(
      invalidConfig(`malformed connection string: expected <scheme>://…, with a scheme among ${ACCEPTED_SCHEMES.join(', ')}`)
    )
  }
  const scheme = (match[1] ?? '').toLowerCase()
  const rest = uri.slice(match[0].length)
  switch (scheme) {
    case 'sqlite': {
      if (rest === '' || rest === '/:memory:') return E.right({ dialect: 'sqlite', filename: ':memory:' })
      if (!rest.startsWith('/') || rest.length < 2 || rest.includes('\0')) {
        return E.left(invalidConfig('malformed sqlite connection string: use sqlite:///:memory:, sqlite:////abs/path or sqlite:///rel/path'))
      }
      // SQLAlchemy reads ?timeout=… or ?mode=ro as options; taken as part of the name, it made a file called 'app.db?timeout=10'.
      if (rest.includes('?')) {
        return E.left(invalidConfig('a sqlite connection string takes no query options (?timeout=…, ?mode=…): give the path alone, or open the database yourself and pass it as kysely'))
      }
      return E.right({ dialect: 'sqlite', filename: rest.slice(1) })
    }
    case 'postgresql':
    case 'postgres':
      return checked('postgres', `postgres://${rest}`)
    case 'mysql':
    case 'mariadb':
      return checked('mysql', withSocketHost(`mysql://${rest}`))
    default:
      return E.left(invalidConfig(`unknown scheme ${JSON.stringify(scheme)}: use one of ${ACCEPTED_SCHEMES.join(', ')}`))
  }
}

const checked = (dialect: 'postgres' | 'mysql', url: string): E.Either<InvalidConfig, Target> => {
  try {
    const parsed = new URL(url)
    if (parsed.hostname === '') return E.left(invalidConfig(`malformed ${dialect} connection string: no host`))
    // Percent-escapes the drivers would choke on later, such as %zz.
    for (const part of [parsed.username, parsed.password, parsed.hostname, parsed.pathname]) decodeURIComponent(part)
    return E.right({ dialect, url })
  } catch {
    return E.left(invalidConfig(`malformed ${dialect} connection string`))
  }
}
