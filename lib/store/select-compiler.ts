/**
 * The hot reads of a store (an originator's items, a page of the log),
 * written by Kysely's query builder once per shape and then reused with each
 * call's values; shared by every store.
 *
 * Building and compiling a select cost about a fifth of a whole aggregate
 * load on PostgreSQL, where a load should run near raw postgres.js. The SQL
 * text of these selects depends only on which options are given, so it is
 * compiled once per shape with probe values, kept only if it binds exactly
 * those values in order, and then reused. A Kysely instance whose plugins
 * rewrite values fails that check and gets a fresh compile for every call.
 * One assumption is left: that a plugin's SQL text, like Kysely's, depends on
 * the query alone. A plugin on the caller's Kysely that writes different text
 * from call to call (a schema per request, say) would have its first text
 * reused; give such an application a Kysely without that plugin.
 *
 * @since 0.1.0
 */
import { createQueryId, RawNode, type CompiledQuery, type Compilable, type Kysely, type SelectExpression } from 'kysely'
import type { RecordsDatabase } from './RecordManager.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * Compiles a query for the values to bind, in the order they appear in the
 * SQL. The compiled query keeps the array it is given.
 *
 * @category model
 * @since 0.1.0
 */
export type ReusableQuery = (values: Array<unknown>) => CompiledQuery

/**
 * The bounds of an originator's items, already checked.
 *
 * @category model
 * @since 0.1.0
 */
export interface ItemBounds {
  readonly gt?: number | undefined
  readonly lte?: number | undefined
  readonly desc?: boolean | undefined
  readonly limit?: number | undefined
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

const sameValues = (a: ReadonlyArray<unknown>, b: ReadonlyArray<unknown>): boolean =>
  a.length === b.length && a.every((value, i) => value === b[i])

/**
 * A query built by `build` and compiled once, with `probe` (distinct values of
 * the types the real ones will have): if the compiled parameters are exactly
 * the probe values in order, its SQL is reused with every call's values;
 * otherwise every call builds and compiles afresh.
 *
 * @category constructors
 * @since 0.1.0
 */
export const reusableQuery = (build: (values: ReadonlyArray<unknown>) => Compilable, probe: ReadonlyArray<unknown>): ReusableQuery => {
  // Compiled on first use, when the caller's Kysely instance is surely ready.
  // null: this Kysely's plugins rewrite values, so every call compiles afresh.
  let node: RawNode | null | undefined
  return (values) => {
    if (node === undefined) {
      const compiled = build(probe).compile()
      node = sameValues(compiled.parameters, probe) ? RawNode.createWithSql(compiled.sql) : null
    }
    // What CompiledQuery.raw builds, but its node made once per shape and
    // nothing frozen: freezing three objects cost more than the rest of this.
    return node === null ? build(values).compile() : { sql: node.sqlFragments[0] as string, query: node, parameters: values, queryId: createQueryId() }
  }
}

// Distinct probe values for the originator id, gt, lte and limit.
const PROBE_ID = '\u0001probe originator'
const PROBE_GT = 1_000_001
const PROBE_LTE = 1_000_002
const PROBE_LIMIT = 1_000_003

/**
 * The select of an originator's items: `columns` (names or aliased
 * expressions) of `tableName`, in version
 * order, within the given bounds. One compiled text per combination of
 * bounds given.
 *
 * @category constructors
 * @since 0.1.0
 */
export const itemsQuery = (db: Kysely<RecordsDatabase>, tableName: string, columns: ReadonlyArray<SelectExpression<RecordsDatabase, string>>) => {
  const shapes = new Map<number, ReusableQuery>()
  const shapeOf = ({ gt, lte, desc, limit }: ItemBounds): number =>
    (gt === undefined ? 0 : 1) | (lte === undefined ? 0 : 2) | (desc === true ? 4 : 0) | (limit === undefined ? 0 : 8)

  const queryFor = (shape: number): ReusableQuery =>
    reusableQuery(
      (values) => {
        let i = 0
        const next = () => values[i++] as never
        let query = db.selectFrom(tableName).select(columns).where('originator_id', '=', next())
        if ((shape & 1) !== 0) query = query.where('originator_version', '>', next())
        if ((shape & 2) !== 0) query = query.where('originator_version', '<=', next())
        query = query.orderBy('originator_version', (shape & 4) !== 0 ? 'desc' : 'asc')
        if ((shape & 8) !== 0) query = query.limit(next())
        return query
      },
      [
        PROBE_ID,
        ...((shape & 1) !== 0 ? [PROBE_GT] : []),
        ...((shape & 2) !== 0 ? [PROBE_LTE] : []),
        ...((shape & 8) !== 0 ? [PROBE_LIMIT] : [])
      ]
    )

  return (originatorId: string, bounds: ItemBounds): CompiledQuery => {
    const shape = shapeOf(bounds)
    let query = shapes.get(shape)
    if (query === undefined) {
      query = queryFor(shape)
      shapes.set(shape, query)
    }
    const values: Array<unknown> = [originatorId]
    if (bounds.gt !== undefined) values.push(bounds.gt)
    if (bounds.lte !== undefined) values.push(bounds.lte)
    if (bounds.limit !== undefined) values.push(bounds.limit)
    return query(values)
  }
}
