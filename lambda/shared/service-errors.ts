/**
 * THE way to recognise a service error and to read any error's message, for the functions, local mode and
 * the scripts alike. The SDK throws errors whose `name` is the service's exception name
 * (`ResourceNotFoundException`); a name is compared, never a class, since `instanceof` fails across copies of
 * a client package and for errors that came over the wire from another process.
 */

/** The exception name of a thrown value (the SDK's `error.name`), if it has one. */
export function serviceErrorName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('name' in error)) return undefined;
  return typeof error.name === 'string' ? error.name : undefined;
}

/** Whether a thrown value is a service error of one of these names. */
export function isServiceError(error: unknown, ...names: readonly string[]): boolean {
  const name = serviceErrorName(error);
  return name !== undefined && names.includes(name);
}

/** The message of a thrown value, whatever was thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
