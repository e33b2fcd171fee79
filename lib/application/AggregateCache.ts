/**
 * A least-recently-used cache of aggregates. Aggregates are immutable values,
 * so entries are shared, never copied. The repository fast-forwards a hit by
 * reading only the events after the cached version, so a hit is never older
 * than the store.
 *
 * @since 0.1.0
 */
import type { Aggregate } from '../domain/Aggregate.js'
import type { TypedEvent } from '../domain/Decider.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * The repository's cache of saved aggregates, by kind and id.
 *
 * @category model
 * @since 0.1.0
 */
export interface AggregateCache {
  /** How many aggregates are cached. */
  readonly size: () => number
  /** The cached aggregate, if any; a hit becomes the most recently used. */
  readonly get: (kind: string, id: string) => Aggregate<unknown, TypedEvent> | undefined
  /** Keeps a saved aggregate with events, unless a newer version of it is cached already. */
  readonly offer: (aggregate: Aggregate<unknown, TypedEvent>) => void
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * A cache of at most `capacity` aggregates; 0 caches nothing.
 *
 * @category constructors
 * @since 0.1.0
 */
export const aggregateCache = (capacity: number): AggregateCache => {
  // A Map iterates in insertion order: re-inserting on use makes the first key the least recent.
  const entries = new Map<string, Aggregate<unknown, TypedEvent>>()
  const key = (kind: string, id: string): string => `${kind}\u0000${id}`
  return {
    size: () => entries.size,
    get: (kind, id) => {
      const k = key(kind, id)
      const hit = entries.get(k)
      if (hit !== undefined) {
        entries.delete(k)
        entries.set(k, hit)
      }
      return hit
    },
    offer: (aggregate) => {
      // A version-0 aggregate is what loading a missing id gives: keeping it would evict real ones.
      if (capacity <= 0 || aggregate.pending.length > 0 || aggregate.version < 1) return
      const k = key(aggregate.kind, aggregate.id)
      const known = entries.get(k)
      if (known !== undefined && known.version > aggregate.version) return
      entries.delete(k)
      entries.set(k, aggregate)
      if (entries.size > capacity) {
        const oldest = entries.keys().next()
        if (oldest.done !== true) entries.delete(oldest.value)
      }
    }
  }
}
