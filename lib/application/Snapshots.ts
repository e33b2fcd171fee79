/**
 * Snapshots: an aggregate's state at a version, so that loading it folds only
 * the events after that version. They live in their own table, beside the
 * events table and of the same shape, and are written straight after the save
 * that crossed the interval, not inside it: a snapshot is a derived cache, so
 * it must never fail a save or lengthen its transaction. A snapshot that
 * cannot be read is ignored with a warning, and the aggregate is rebuilt
 * from its events.
 *
 * @since 0.1.0
 */
import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import type * as T from 'fp-ts/lib/Task.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { AnyKind } from '../kind/AggregateKind.js'
import type { Transcoder } from '../codec/Transcoder.js'
import type { Aggregate } from '../domain/Aggregate.js'
import type { TypedEvent } from '../domain/Decider.js'
import { decodeError, encodeError, invalidArgument, messageOf, type EventfoldError, type StoreError } from '../errors/EventfoldError.js'
import type { CallerTransaction, RecordManager } from '../store/RecordManager.js'
import { readBackProblem } from '../codec/identity.js'
import { thrownMessage } from '../codec/validation.js'
import { placeOf } from './EventMapper.js'
import type { OnWarning } from './Warning.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * A decoded snapshot.
 *
 * @category model
 * @since 0.1.0
 */
export interface Snapshot {
  readonly version: number
  readonly state: unknown
}

/**
 * Reads and writes snapshots.
 *
 * @category model
 * @since 0.1.0
 */
export interface SnapshotStore {
  readonly recordManager: RecordManager
  /** The newest readable snapshot at or below `atMost`; never fails (a bad one is a warning). */
  readonly latest: (kind: AnyKind, id: string, atMost: number | undefined) => T.Task<Snapshot | undefined>
  /**
   * Writes the aggregate's state at its version. One that exists already is
   * left as it is: a success if it can be read, a `DecodeError` if not (a
   * snapshot is never replaced). A state its codec would not read back as it
   * is (see `readBackProblem`) is an `EncodeError`.
   */
  readonly write: (
    kind: AnyKind,
    aggregate: Aggregate<unknown, TypedEvent>,
    transaction?: CallerTransaction
  ) => TE.TaskEither<EventfoldError, void>
  /**
   * Deletes the snapshot of `id` at `version`, which no event backs: left in
   * place, it would be folded over once new events reach its version, though
   * it was never their fold. True if no such row is left; never fails.
   */
  readonly forget: (id: string, version: number) => T.Task<boolean>
}

/**
 * The suffix of the snapshots table's name.
 *
 * @category constants
 * @since 0.1.0
 */
export const SNAPSHOTS_SUFFIX = '_snapshots'

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * The topic of a kind's snapshots.
 *
 * @category utils
 * @since 0.1.0
 */
export const snapshotTopic = (kind: AnyKind): string => `${kind.name}#snapshot`

/**
 * The snapshot store over its own record manager and the application's byte
 * pipeline.
 *
 * @category constructors
 * @since 0.1.0
 */
export const snapshotStore = (
  recordManager: RecordManager,
  bytes: Transcoder,
  onWarning: OnWarning,
  clock: () => Date
): SnapshotStore => {
  const latest: SnapshotStore['latest'] = (kind, id, atMost) => async () => {
    const settings = kind.snapshots
    if (settings === undefined) return undefined
    const found = await recordManager.listItems(id, { desc: true, limit: 1, ...(atMost === undefined ? {} : { lte: atMost }) })()
    if (E.isLeft(found)) {
      onWarning({ _tag: 'SnapshotIgnored', originatorId: id, version: atMost ?? -1, reason: found.left })
      return undefined
    }
    const item = found.right[0]
    if (item === undefined) return undefined
    const decoded = pipe(
      item.topic === snapshotTopic(kind) ? E.right(item) : E.left(invalidArgument(`snapshot topic ${item.topic} is not ${snapshotTopic(kind)}`)),
      E.chainW((i) => bytes.fromBytes(i.topic, i.state, placeOf(i.originatorId, i.originatorVersion, i.topic))),
      E.chainW((envelope) => {
        // The warning is logged: one about a state that was stored encrypted does not quote it.
        const quote = !bytes.encrypted
        try {
          return settings.state.read(item.topic, envelope.version, envelope.data, quote)
        } catch (e) {
          // A hand-written reader that throws: the snapshot is ignored, like any other that does not decode.
          return E.left(decodeError(item.topic, '', `the snapshot reader threw: ${thrownMessage(e, quote)}`))
        }
      })
    )
    if (E.isLeft(decoded)) {
      onWarning({ _tag: 'SnapshotIgnored', originatorId: id, version: item.originatorVersion, reason: decoded.left })
      return undefined
    }
    return { version: item.originatorVersion, state: decoded.right }
  }

  const writeNow = (kind: AnyKind, aggregate: Aggregate<unknown, TypedEvent>, transaction?: CallerTransaction): TE.TaskEither<EventfoldError, void> => {
    const settings = kind.snapshots
    if (settings === undefined) return TE.left(invalidArgument(`kind ${kind.name} takes no snapshots: give it a snapshots option`))
    if (aggregate.pending.length > 0 || aggregate.version < 1) {
      return TE.left(invalidArgument('only a saved aggregate with events can be snapshotted'))
    }
    const topic = snapshotTopic(kind)
    const codec = settings.state.codec
    let data: unknown
    // The state codec is the caller's: one that throws is an EncodeError, not an exception.
    try {
      if (!codec.is(aggregate.state)) return TE.left(encodeError(topic, `the state does not fit ${codec.name}`))
      data = codec.encode(aggregate.state)
    } catch (e) {
      return TE.left(encodeError(topic, `the codec ${codec.name} threw: ${messageOf(e)}`))
    }
    return pipe(
      TE.fromEither(bytes.toBytes(topic, data, clock(), settings.state.version, placeOf(aggregate.id, aggregate.version, topic))),
      // After toBytes, which refused what JSON would not carry faithfully: a
      // state that would not read back as it is would load as another.
      TE.chainEitherKW((state) => {
        const problem = readBackProblem(codec, aggregate.state, data)
        return problem === undefined ? E.right(state) : E.left(encodeError(topic, problem))
      }),
      TE.chainW((state) =>
        recordManager.insertItems([{ originatorId: aggregate.id, originatorVersion: aggregate.version, topic, state }], transaction)
      ),
      // A snapshot of this version exists: another writer took it first (the
      // same state, by determinism), or it was written once and can no longer
      // be read (its state codec or the key changed). It is not replaced, so
      // only the first is a success.
      TE.orElseW((e: EventfoldError) =>
        e._tag !== 'ConcurrencyError'
          ? TE.left<EventfoldError | StoreError>(e)
          : pipe(
              TE.fromTask(latest(kind, aggregate.id, aggregate.version)),
              TE.chainW((found) =>
                found?.version === aggregate.version
                  ? TE.right(undefined)
                  : TE.left(
                      decodeError(
                        topic,
                        '',
                        `the snapshot at version ${aggregate.version} cannot be read, and a snapshot is never replaced: the next is taken at a later version`
                      )
                    )
              )
            )
      )
    )
  }

  // A snapshot is derived: deleting one costs at most a rebuild, even if a
  // writer has just taken a good one at that version.
  const forget: SnapshotStore['forget'] = (id, version) => () =>
    recordManager.db
      .deleteFrom(recordManager.tableName)
      .where('originator_id', '=', id)
      .where('originator_version', '=', version)
      .execute()
      .then(
        () => true,
        () => false
      )

  return {
    recordManager,
    latest,
    forget,
    // Lazy, as a TaskEither must be: the clock is read and the state encoded when the task runs.
    write: (kind, aggregate, transaction) => () => {
      try {
        return writeNow(kind, aggregate, transaction)()
      } catch (e) {
        return Promise.resolve(E.left(encodeError(snapshotTopic(kind), `the snapshot could not be written: ${messageOf(e)}`)))
      }
    }
  }
}
