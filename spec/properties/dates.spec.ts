/**
 * Every valid `Date` survives the trip through storage: as an event field
 * (`DateFromISOString`) and as an event's timestamp (the transcoder's
 * envelope). The differential spec found that dates after 9999 or before
 * year 0, which `toISOString` writes with a sign and six digits, were written
 * and then refused on reading, leaving the aggregate unloadable.
 */
import * as fc from 'fast-check'
import * as E from 'fp-ts/Either'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { DateFromISOString, transcoder } from '../../lib/index.js'

const RUNS = Number(process.env['FAST_CHECK_RUNS'] ?? 1000)

const test = suite('properties: dates round-trip')

test('DateFromISOString decodes what it encodes, for every valid Date', () => {
  fc.assert(
    fc.property(fc.date({ noInvalidDate: true }), (date) => {
      const decoded = DateFromISOString.decode(DateFromISOString.encode(date))
      assert.ok(E.isRight(decoded), `${date.toISOString()} did not decode`)
      assert.is(decoded.right.getTime(), date.getTime())
    }),
    { numRuns: RUNS, includeErrorInReport: true }
  )
})

test('an event stamped at any valid Date reads back with that timestamp', () => {
  const bytes = transcoder({})
  fc.assert(
    fc.property(fc.date({ noInvalidDate: true }), (date) => {
      const stored = bytes.toBytes('spec.Happened', { n: 1 }, date)
      assert.ok(E.isRight(stored))
      const read = bytes.fromBytes('spec.Happened', stored.right)
      assert.ok(E.isRight(read), `a timestamp of ${date.toISOString()} did not read back`)
      assert.is(read.right.timestamp.getTime(), date.getTime())
    }),
    { numRuns: RUNS, includeErrorInReport: true }
  )
})

test('the extremes, and what is still refused', () => {
  for (const iso of ['-271821-04-20T00:00:00.000Z', '+275760-09-13T00:00:00.000Z', '+010000-01-01T00:00:00.000Z', '-000001-12-31T23:59:59.999Z']) {
    const decoded = DateFromISOString.decode(iso)
    assert.ok(E.isRight(decoded) && decoded.right.toISOString() === iso, iso)
  }
  // -000000 is not a year (ISO 8601 wants +000000), beyond the range is no Date, and five digits are no format.
  for (const iso of ['-000000-01-01T00:00:00.000Z', '+275760-09-13T00:00:00.001Z', '+10000-01-01T00:00:00.000Z', '10000-01-01T00:00:00Z']) {
    assert.ok(E.isLeft(DateFromISOString.decode(iso)), iso)
  }
})

test.run()
