/**
 * MySQL URLs that name a socket file and no host.
 *
 * @since 0.1.0
 */

/**
 * A MySQL URL that reaches its server through a socket file alone
 * (`mysql://user@/db?unix_socket=/run/mysqld/mysqld.sock`, as SQLAlchemy
 * writes it, or `mysql:///db?unix_socket=…`) names no host, which a URL may
 * not do after a user. mysql2 connects through the socket whatever the host
 * says, so the host is written as `localhost`. Any other URL is returned as
 * it is.
 *
 * @category utils
 * @since 0.1.0
 */
export const withSocketHost = (url: string): string => {
  const match = /^(mysql|mariadb):\/\/([^/?#@]*@)?\/([^?#]*)\?([^#]*)/i.exec(url)
  if (match === null) return url
  const query = new URLSearchParams(match[4])
  if (!query.has('unix_socket') && !query.has('socketPath')) return url
  return `${match[1]}://${match[2] ?? ''}localhost/${url.slice(`${match[1]}://${match[2] ?? ''}/`.length)}`
}
