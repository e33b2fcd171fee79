import * as E from 'fp-ts/Either'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { parseUri } from '../../lib/index.js'

const uri = suite('parseUri')

const right = (s: string) => {
  const r = parseUri(s)
  if (E.isLeft(r)) throw new Error(`${s}: ${r.left.message}`)
  return r.right
}

uri('the seed SQLite forms: memory, an absolute file, a relative file', () => {
  assert.equal(right('sqlite:///:memory:'), { dialect: 'sqlite', filename: ':memory:' })
  assert.equal(right('sqlite://'), { dialect: 'sqlite', filename: ':memory:' })
  assert.equal(right('sqlite:////tmp/mydatabase'), { dialect: 'sqlite', filename: '/tmp/mydatabase' })
  assert.equal(right('sqlite:///rel/path.db'), { dialect: 'sqlite', filename: 'rel/path.db' })
})

uri('PostgreSQL with and without a +driver part', () => {
  assert.equal(right('postgresql+psycopg2://scott:tiger@localhost:5432/mydatabase'), {
    dialect: 'postgres',
    url: 'postgres://scott:tiger@localhost:5432/mydatabase'
  })
  assert.equal(right('postgresql://u@h/db'), { dialect: 'postgres', url: 'postgres://u@h/db' })
  assert.equal(right('postgres://u@h/db'), { dialect: 'postgres', url: 'postgres://u@h/db' })
})

uri('MySQL with pymysql and sqlconnector, query options kept for the store', () => {
  assert.equal(right('mysql+pymysql://scott:tiger@hostname/dbname?charset=utf8mb4&binary_prefix=true'), {
    dialect: 'mysql',
    url: 'mysql://scott:tiger@hostname/dbname?charset=utf8mb4&binary_prefix=true'
  })
  assert.equal(right('mysql+sqlconnector://scott:tiger@hostname/dbname'), { dialect: 'mysql', url: 'mysql://scott:tiger@hostname/dbname' })
  assert.equal(right('MYSQL://h/db'), { dialect: 'mysql', url: 'mysql://h/db' })
})

uri('an unknown scheme names the schemes accepted', () => {
  const r = parseUri('oracle://scott:tiger@host/db')
  assert.ok(E.isLeft(r))
  assert.is(r.left._tag, 'InvalidConfig')
  assert.match(r.left.message, 'oracle')
  assert.match(r.left.message, 'sqlite, postgresql, postgres')
})

uri('malformed strings are InvalidConfig, never a throw', () => {
  for (const bad of ['', 'sqlite', 'sqlite:/x', 'sqlite:///', 'postgres://', 'postgres://:5432/db', 'mysql://%zz', 'sqlite:///a\0b', '://x']) {
    const r = parseUri(bad)
    assert.ok(E.isLeft(r) && r.left._tag === 'InvalidConfig', bad)
  }
})

uri('the SQLAlchemy sqlite+pysqlite form and mariadb:// are accepted', () => {
  assert.equal(right('sqlite+pysqlite:///:memory:'), { dialect: 'sqlite', filename: ':memory:' })
  assert.equal(right('sqlite+pysqlite:////tmp/x.db'), { dialect: 'sqlite', filename: '/tmp/x.db' })
  assert.equal(right('mariadb://root@127.0.0.1:3306/test'), { dialect: 'mysql', url: 'mysql://root@127.0.0.1:3306/test' })
})

uri('MySQL through a socket file alone, as SQLAlchemy writes it: no host, the socket in the query', () => {
  assert.equal(right('mysql+pymysql://scott@/dbname?unix_socket=/run/mysqld/mysqld.sock'), {
    dialect: 'mysql',
    url: 'mysql://scott@localhost/dbname?unix_socket=/run/mysqld/mysqld.sock'
  })
  assert.equal(right('mysql:///dbname?charset=utf8mb4&unix_socket=/tmp/my.sock'), {
    dialect: 'mysql',
    url: 'mysql://localhost/dbname?charset=utf8mb4&unix_socket=/tmp/my.sock'
  })
  // Without a socket, no host is still no server to reach.
  for (const bad of ['mysql:///dbname', 'mysql+pymysql://scott@/dbname', 'mysql+pymysql://scott@/dbname?charset=utf8mb4']) {
    const r = parseUri(bad)
    assert.ok(E.isLeft(r) && r.left._tag === 'InvalidConfig', bad)
  }
})

uri('a sqlite connection string with query options is InvalidConfig, not a file named after them', () => {
  for (const bad of ['sqlite:///app.db?timeout=10', 'sqlite:////tmp/x.db?mode=ro', 'sqlite:///:memory:?cache=shared']) {
    const r = parseUri(bad)
    assert.ok(E.isLeft(r) && r.left._tag === 'InvalidConfig', bad)
    assert.match(E.isLeft(r) ? r.left.message : '', 'takes no query options')
  }
})

uri.run()
