import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { aggregateCache } from '../../lib/application/AggregateCache.js'
import type { Aggregate } from '../../lib/domain/Aggregate.js'
import type { TypedEvent } from '../../lib/domain/Decider.js'

const aggregate = (id: string, version: number, kind = 'spec#Kind'): Aggregate<unknown, TypedEvent> => ({
  kind,
  id,
  version,
  state: { id, version },
  pending: []
})

const test = suite('AggregateCache')

test('a miss is undefined; a hit is the very value offered, shared rather than copied', () => {
  const cache = aggregateCache(2)
  assert.is(cache.get('spec#Kind', 'a'), undefined)
  const a = aggregate('a', 1)
  cache.offer(a)
  assert.is(cache.get('spec#Kind', 'a'), a)
  assert.is(cache.size(), 1)
})

test('entries are keyed by kind and id together', () => {
  const cache = aggregateCache(3)
  const one = aggregate('same', 1, 'spec#One')
  const two = aggregate('same', 5, 'spec#Two')
  cache.offer(one)
  cache.offer(two)
  assert.is(cache.get('spec#One', 'same'), one)
  assert.is(cache.get('spec#Two', 'same'), two)
  // A separator no name contains: "a" + "b\u0000c" is not "a\u0000b" + "c".
  cache.offer(aggregate('b', 1, 'a'))
  assert.is(cache.get('a\u0000b', ''), undefined)
})

test('past its capacity, the least recently used entry goes first; get and offer both count as use', () => {
  const cache = aggregateCache(2)
  cache.offer(aggregate('a', 1))
  cache.offer(aggregate('b', 1))
  cache.get('spec#Kind', 'a') // a is now the most recent
  cache.offer(aggregate('c', 1)) // so b goes
  assert.is(cache.size(), 2)
  assert.ok(cache.get('spec#Kind', 'a') !== undefined)
  assert.is(cache.get('spec#Kind', 'b'), undefined)
  assert.ok(cache.get('spec#Kind', 'c') !== undefined)
  // Offering a newer version of a cached aggregate makes it the most recent too.
  cache.offer(aggregate('a', 2)) // order: c, a
  cache.offer(aggregate('d', 1)) // so c goes
  assert.is(cache.get('spec#Kind', 'c'), undefined)
  assert.is(cache.get('spec#Kind', 'a')?.version, 2)
  assert.is(cache.get('spec#Kind', 'd')?.version, 1)
})

test('an older version never replaces a newer one; the same or a newer version does', () => {
  const cache = aggregateCache(2)
  const v3 = aggregate('a', 3)
  cache.offer(v3)
  cache.offer(aggregate('a', 2))
  assert.is(cache.get('spec#Kind', 'a'), v3)
  const again = aggregate('a', 3)
  cache.offer(again)
  assert.is(cache.get('spec#Kind', 'a'), again)
  cache.offer(aggregate('a', 4))
  assert.is(cache.get('spec#Kind', 'a')?.version, 4)
  assert.is(cache.size(), 1)
})

test('an aggregate with pending events, or with no events at all, is not cached', () => {
  const cache = aggregateCache(2)
  cache.offer({ ...aggregate('a', 2), pending: [{ type: 'Happened' }] })
  assert.is(cache.get('spec#Kind', 'a'), undefined)
  // A new aggregate (version 0) is what loading a missing id gives: caching it would evict real entries.
  cache.offer(aggregate('b', 1))
  cache.offer(aggregate('c', 1))
  cache.offer(aggregate('missing-1', 0))
  cache.offer(aggregate('missing-2', 0))
  assert.is(cache.size(), 2)
  assert.ok(cache.get('spec#Kind', 'b') !== undefined)
  assert.ok(cache.get('spec#Kind', 'c') !== undefined)
})

test('a capacity of 0 (or less) caches nothing', () => {
  for (const capacity of [0, -1]) {
    const cache = aggregateCache(capacity)
    cache.offer(aggregate('a', 1))
    assert.is(cache.size(), 0)
    assert.is(cache.get('spec#Kind', 'a'), undefined)
  }
})

test('a capacity of 1 keeps the last one offered', () => {
  const cache = aggregateCache(1)
  cache.offer(aggregate('a', 1))
  cache.offer(aggregate('b', 1))
  assert.is(cache.size(), 1)
  assert.is(cache.get('spec#Kind', 'a'), undefined)
  assert.is(cache.get('spec#Kind', 'b')?.id, 'b')
})

test.run()
