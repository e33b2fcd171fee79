import * as E from 'fp-ts/Either'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { traverseArray } from '../../lib/index.js'

const traverse = suite('traverseArray')

traverse('maps every item when all succeed, in order', () => {
  assert.equal(traverseArray([1, 2, 3], (n) => E.right(n * 2)), E.right([2, 4, 6]))
  assert.equal(traverseArray([], () => E.left('never')), E.right([]))
})

traverse('stops at the first Left and calls nothing after it', () => {
  const seen: Array<number> = []
  const result = traverseArray([1, 2, 3, 4], (n) => {
    seen.push(n)
    return n === 2 ? E.left(`bad ${n}`) : E.right(n)
  })
  assert.equal(result, E.left('bad 2'))
  assert.equal(seen, [1, 2])
})

traverse('stays linear on a large input', () => {
  const big = Array.from({ length: 200_000 }, (_, i) => i)
  const result = traverseArray(big, (n) => E.right(n))
  assert.ok(E.isRight(result) && result.right.length === 200_000)
})

traverse.run()
