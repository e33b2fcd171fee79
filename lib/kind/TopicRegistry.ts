/**
 * Maps each stable topic string to the aggregate kind and event type it names,
 * and so to the io-ts codec that reads it.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js'
import type * as t from 'io-ts'
import { invalidConfig, type InvalidConfig } from '../errors/EventfoldError.js'
import type { AnyKind } from './AggregateKind.js'
import type { Upcaster } from '../codec/Upcaster.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * What a topic names.
 *
 * @category model
 * @since 0.1.0
 */
export interface TopicEntry {
  readonly kind: AnyKind
  readonly type: string
  /** Today's topic of the type (an alias maps to it). */
  readonly topic: string
  /** The codec new events are written with. */
  readonly codec: t.Type<unknown, unknown, unknown>
  /** Reads any stored version of the type as the newest. */
  readonly reader: Upcaster<unknown>
}

/**
 * Topics and kinds, by name.
 *
 * @category model
 * @since 0.1.0
 */
export interface TopicRegistry {
  readonly kinds: ReadonlyMap<string, AnyKind>
  readonly topics: ReadonlyMap<string, TopicEntry>
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * Registers kinds. Two kinds with one name, or one topic claimed twice, is a
 * configuration error: a stored topic must name exactly one codec.
 *
 * @category constructors
 * @since 0.1.0
 */
export const topicRegistry = (kinds: ReadonlyArray<AnyKind>): E.Either<InvalidConfig, TopicRegistry> => {
  const byName = new Map<string, AnyKind>()
  const topics = new Map<string, TopicEntry>()
  for (const kind of kinds) {
    const known = byName.get(kind.name)
    if (known === kind) continue
    if (known !== undefined || kind.name.length === 0) {
      return E.left(invalidConfig(`aggregate kind name ${JSON.stringify(kind.name)} is empty or used twice`))
    }
    byName.set(kind.name, kind)
    const readers = kind.readers as Record<string, Upcaster<unknown>>
    for (const [type, codec] of Object.entries(kind.events as Record<string, t.Type<unknown, unknown, unknown>>)) {
      const topic = kind.topicOf(type)
      if (topics.has(topic)) return E.left(invalidConfig(`topic ${topic} is registered twice`))
      topics.set(topic, { kind, type, topic, codec, reader: readers[type] as Upcaster<unknown> })
    }
    for (const [alias, type] of Object.entries(kind.aliases as Record<string, string>)) {
      const entry = topics.get(kind.topicOf(type))
      if (entry === undefined) return E.left(invalidConfig(`alias ${alias} names ${type}, which is no event type of ${kind.name}`))
      if (topics.has(alias)) return E.left(invalidConfig(`topic ${alias} is registered twice`))
      topics.set(alias, entry)
    }
  }
  return E.right({ kinds: byName, topics })
}
