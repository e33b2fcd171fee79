/**
 * The seed's `@attribute`: aggregate roots whose attributes are typed by io-ts
 * props. The same props check attribute changes at compile time (through the
 * types) and at run time (in `decide`, and again before anything is stored).
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import {
  aggregateRootDecider,
  type AggregateRootCommand,
  type AggregateRootEvent,
  type AggregateRootState,
  type Attributes
} from '../domain/AggregateRoot.js'
import { domainError, type DomainError } from '../domain/DomainError.js'
import { aggregateKind, type AggregateKind, type EventCodecs } from './AggregateKind.js'
import { JsonRecord, JsonValue, type Json } from '../codec/types.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * The kind of an aggregate root with attributes `A`.
 *
 * @category model
 * @since 0.1.0
 */
export type AttributeKind<A extends Attributes> = AggregateKind<
  AggregateRootCommand<A>,
  AggregateRootEvent<A>,
  AggregateRootState<A>,
  DomainError
>

type ChangePayload<A extends Attributes> = {
  readonly [K in keyof A & string]: { readonly name: K; readonly value: A[K] }
}[keyof A & string]

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

const attributeChange = <A extends Attributes>(
  kindName: string,
  valueCodec: (name: string) => t.Mixed | undefined
): t.Type<ChangePayload<A>, unknown, unknown> =>
  new t.Type<ChangePayload<A>, unknown, unknown>(
    `${kindName}.AttributeChanged`,
    (u): u is ChangePayload<A> => {
      if (typeof u !== 'object' || u === null) return false
      const { name, value } = u as { name?: unknown; value?: unknown }
      if (typeof name !== 'string') return false
      return valueCodec(name)?.is(value) ?? false
    },
    (u, c) => {
      if (typeof u !== 'object' || u === null) return t.failure(u, c, 'expected an object with name and value')
      const { name, value } = u as { name?: unknown; value?: unknown }
      const codec = typeof name === 'string' ? valueCodec(name) : undefined
      if (codec === undefined) {
        return t.failure(name, t.appendContext(c, 'name', t.string, name), `no attribute named ${String(name)}`)
      }
      const validated = codec.validate(value, t.appendContext(c, 'value', codec, value))
      return E.isLeft(validated)
        ? validated
        : t.success({ name, value: validated.right } as unknown as ChangePayload<A>)
    },
    (a) => ({ name: a.name, value: (valueCodec(a.name) as t.Mixed).encode(a.value) })
  )

const attributeKind = <A extends Attributes>(
  name: string,
  attributesCodec: t.Type<A, unknown, unknown>,
  valueCodec: (name: string) => t.Mixed | undefined
): AttributeKind<A> => {
  const pure = aggregateRootDecider<A>()
  const events = {
    Created: t.type({ attributes: attributesCodec }),
    AttributeChanged: attributeChange<A>(name, valueCodec),
    Discarded: t.type({})
  } as unknown as EventCodecs<AggregateRootEvent<A>> // the codecs above are built to these payload types
  return aggregateKind(name, {
    ...pure,
    // Commands built without the types (from JSON, say) are checked here too.
    decide: (command, state) => {
      if (command.type === 'Create') {
        if (!attributesCodec.is(command.attributes)) {
          return E.left(domainError('InvalidAttribute', `the attributes do not fit ${attributesCodec.name}`))
        }
        // The codec is an io-ts type, which lets undeclared properties through:
        // one would be stored, and no ChangeAttribute could ever touch it.
        const undeclared = Object.keys(command.attributes).filter((key) => valueCodec(key) === undefined)
        if (undeclared.length > 0) return E.left(domainError('InvalidAttribute', `no attribute named ${undeclared.join(', ')}`))
      }
      if (command.type === 'ChangeAttribute') {
        const codec = valueCodec(command.name)
        if (codec === undefined) return E.left(domainError('InvalidAttribute', `no attribute named ${command.name}`))
        if (!codec.is(command.value)) {
          return E.left(domainError('InvalidAttribute', `the value of ${command.name} does not fit ${codec.name}`))
        }
      }
      return pure.decide(command, state)
    }
  }, events)
}

/**
 * An aggregate root kind whose attributes are the given io-ts props.
 *
 * @example
 * import * as t from 'io-ts'
 * import { attributes } from 'eventfold'
 * // The seed's CustomAggregate, with its event-sourced attribute `a`.
 * const CustomAggregate = attributes('example#CustomAggregate', { a: t.number })
 *
 * @category constructors
 * @since 0.1.0
 */
export const attributes = <P extends t.Props>(name: string, props: P): AttributeKind<t.TypeOf<t.TypeC<P>>> =>
  attributeKind<t.TypeOf<t.TypeC<P>>>(name, t.type(props), (attribute) =>
    Object.prototype.hasOwnProperty.call(props, attribute) ? props[attribute] : undefined
  )

/**
 * The seed's generic `AggregateRoot`: attributes of every name, as long as they are JSON
 * values.
 *
 * @category constructors
 * @since 0.1.0
 */
export const AggregateRoot: AttributeKind<{ readonly [name: string]: Json }> = attributeKind(
  'eventfold#AggregateRoot',
  JsonRecord,
  () => JsonValue
)

