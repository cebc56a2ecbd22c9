/**
 * When a webhook reports a deletion, the handler syncs that one object by id; Close then answers
 * 404 and the reader reports the object as deleted. The deletion time is only in the event, so
 * the handler leaves it here for the duration of that sync, and the reader passes it on as
 * `deletedAt` (so a `mark` policy stores when Close deleted it, not when the webhook arrived).
 * In-process only; entries are removed when the sync ends, and the map is bounded.
 */

const MAX_HINTS = 1000;
const hints = new Map<string, { deletedAt: Date; holders: number }>();
const keyOf = (objectType: string, objectId: string) => `${objectType}\u0000${objectId}`;

/** Records the time a webhook event says `objectId` was deleted; returns a function that forgets it. */
export function holdDeletionTime(objectType: string, objectId: string, deletedAt: Date): () => void {
  const key = keyOf(objectType, objectId);
  const existing = hints.get(key);
  if (existing) {
    existing.holders += 1;
    if (deletedAt < existing.deletedAt) existing.deletedAt = deletedAt;
  } else {
    if (hints.size >= MAX_HINTS) {
      const oldest = hints.keys().next().value;
      if (oldest !== undefined) hints.delete(oldest);
    }
    hints.set(key, { deletedAt, holders: 1 });
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const entry = hints.get(key);
    if (!entry) return;
    entry.holders -= 1;
    if (entry.holders <= 0) hints.delete(key);
  };
}

/** The deletion time a webhook reported for `objectId`, if a sync for it is in progress. */
export function deletionTimeOf(objectType: string, objectId: string): Date | undefined {
  return hints.get(keyOf(objectType, objectId))?.deletedAt;
}
