/** Items gathered for one send; see turnBatcher. */
export interface TurnBatcher<T> {
  add(item: T): void;
  /** Hands over what is waiting now (on exit, say); does nothing when nothing is. */
  flush(): void;
  /** How many items wait for the end of the turn. */
  readonly size: number;
}

/**
 * Gathers the items added during one turn of the event loop and hands them to `send` together
 * when the turn ends (`setImmediate`), or at once when `max` are waiting: what one turn produces
 * leaves in one write or one command instead of one each, and a lone item waits for nothing but
 * the end of its turn.
 */
export function turnBatcher<T>(send: (batch: T[]) => void, max = Number.POSITIVE_INFINITY): TurnBatcher<T> {
  let items: T[] = [];
  let scheduled = false;

  const flush = () => {
    scheduled = false;
    if (items.length === 0) return;
    const batch = items;
    items = [];
    send(batch);
  };

  return {
    add(item) {
      items.push(item);
      if (items.length >= max) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
    get size() {
      return items.length;
    },
  };
}
