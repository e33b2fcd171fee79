/**
 * The seed's generic `AggregateRoot` as a decider: an aggregate of named
 * attributes that can be created, have an attribute changed, and be
 * discarded. `A` types the attributes; the generic root uses
 * `Record<string, unknown>`, and `attributes(...)` in the codec layer builds a
 * typed one from io-ts props (the seed's `@attribute`).
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Decider } from './Decider.js'
import { domainError, type DomainError } from './DomainError.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * Attributes: a record of named values.
 *
 * @category model
 * @since 0.1.0
 */
export type Attributes = { readonly [name: string]: unknown }

/**
 * One attribute set to a value of its own type; a union over the attributes.
 *
 * @category model
 * @since 0.1.0
 */
export type AttributeChange<A extends Attributes, Tag extends string> = {
  readonly [K in keyof A & string]: { readonly type: Tag; readonly name: K; readonly value: A[K] }
}[keyof A & string]

/**
 * The events of an aggregate root.
 *
 * @category model
 * @since 0.1.0
 */
export type AggregateRootEvent<A extends Attributes> =
  | { readonly type: 'Created'; readonly attributes: A }
  | AttributeChange<A, 'AttributeChanged'>
  | { readonly type: 'Discarded' }

/**
 * The commands of an aggregate root.
 *
 * @category model
 * @since 0.1.0
 */
export type AggregateRootCommand<A extends Attributes> =
  | { readonly type: 'Create'; readonly attributes: A }
  | AttributeChange<A, 'ChangeAttribute'>
  | { readonly type: 'Discard' }

/**
 * The state of an aggregate root.
 *
 * @category model
 * @since 0.1.0
 */
export type AggregateRootState<A extends Attributes> =
  | { readonly status: 'initial' }
  | { readonly status: 'live'; readonly attributes: A }
  | { readonly status: 'discarded'; readonly attributes: A }

/**
 * An aggregate root's decider.
 *
 * @category model
 * @since 0.1.0
 */
export type AggregateRootDecider<A extends Attributes> = Decider<
  AggregateRootCommand<A>,
  AggregateRootEvent<A>,
  AggregateRootState<A>,
  DomainError
>

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * The command that creates an aggregate root with its first attributes.
 *
 * @category constructors
 * @since 0.1.0
 */
export const create = <A extends Attributes>(attributes: A): AggregateRootCommand<A> => ({
  type: 'Create',
  attributes
})

/**
 * `true` when `T` is a union of several types, such as `'a' | 'b'`;
 * `false` for one. {@link changeAttribute} uses it to take one attribute
 * name at a time.
 *
 * @category utils
 * @since 0.1.0
 */
export type IsUnion<T, U = T> = T extends unknown ? ([U] extends [T] ? false : true) : never

/**
 * The command that sets one attribute; its value is checked against the
 * attribute's type.
 *
 * @category constructors
 * @since 0.1.0
 */
export const changeAttribute = <A extends Attributes, K extends keyof A & string>(
  name: K,
  // A name typed as a union of keys would take the value of any of them: one key at a time.
  value: true extends IsUnion<K> ? never : A[K]
): AggregateRootCommand<A> =>
  ({ type: 'ChangeAttribute', name, value }) as AttributeChange<A, 'ChangeAttribute'>

/**
 * The command that discards an aggregate root: afterwards the repository no
 * longer finds it.
 *
 * @category constructors
 * @since 0.1.0
 */
export const discard: { readonly type: 'Discard' } = { type: 'Discard' }

/**
 * Builds the aggregate root decider for attributes of type `A`.
 *
 * @category constructors
 * @since 0.1.0
 */
export const aggregateRootDecider = <A extends Attributes>(): AggregateRootDecider<A> => ({
  initialState: { status: 'initial' },
  evolve: (state, event) => {
    switch (event.type) {
      case 'Created':
        return { status: 'live', attributes: event.attributes }
      case 'AttributeChanged':
        return state.status === 'initial'
          ? state
          : { status: state.status, attributes: { ...state.attributes, [event.name]: event.value } }
      case 'Discarded':
        return state.status === 'initial' ? state : { status: 'discarded', attributes: state.attributes }
    }
  },
  decide: (command, state) => {
    switch (command.type) {
      case 'Create':
        return state.status === 'initial'
          ? E.right([{ type: 'Created', attributes: command.attributes }])
          : E.left(domainError('AlreadyCreated', 'the aggregate exists already'))
      case 'ChangeAttribute':
        return state.status === 'live'
          ? E.right([{ type: 'AttributeChanged', name: command.name, value: command.value } as AttributeChange<A, 'AttributeChanged'>])
          : E.left(notLive(state.status))
      case 'Discard':
        return state.status === 'live' ? E.right([{ type: 'Discarded' }]) : E.left(notLive(state.status))
    }
  },
  isTerminal: (state) => state.status === 'discarded'
})

const notLive = (status: 'initial' | 'discarded'): DomainError =>
  status === 'initial'
    ? domainError('NotCreated', 'the aggregate has not been created')
    : domainError('Discarded', 'the aggregate has been discarded')

// -------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------

/**
 * The attributes of a created aggregate root, or `undefined` before creation.
 *
 * @category utils
 * @since 0.1.0
 */
export const attributesOf = <A extends Attributes>(state: AggregateRootState<A>): A | undefined =>
  state.status === 'initial' ? undefined : state.attributes
