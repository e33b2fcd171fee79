/**
 * A ready-made domain error for deciders that need nothing richer. Deciders may
 * use any error type of their own; it travels untouched through the
 * application.
 *
 * @since 0.1.0
 */

/**
 * A command the domain refused, with a stable `code` to match on.
 *
 * @category model
 * @since 0.1.0
 */
export interface DomainError {
  readonly _tag: 'DomainError'
  readonly code: string
  readonly message: string
}

/**
 * Builds a {@link DomainError} from a stable code and a message.
 *
 * @category constructors
 * @since 0.1.0
 */
export const domainError = (code: string, message: string): DomainError => ({
  _tag: 'DomainError',
  code,
  message
})
