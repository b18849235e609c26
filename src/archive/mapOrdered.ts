/** Bounded, order-preserving concurrency: the reorder buffer between concurrent reads and in-order writing. */

/**
 * Applies `fn` to each item with at most `concurrency` calls in flight and yields results in input order.
 * On the first failure the remaining calls are aborted through the signal passed to `fn`.
 */
export async function* mapOrdered<T, R>(
  items: AsyncIterable<T> | Iterable<T>,
  concurrency: number,
  fn: (item: T, signal: AbortSignal) => Promise<R>,
  signal?: AbortSignal,
): AsyncGenerator<R> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  const window: Promise<R>[] = [];
  const iterator = (Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]()) as
    | AsyncIterator<T>
    | Iterator<T>;
  let done = false;
  try {
    while (true) {
      while (!done && window.length < concurrency) {
        controller.signal.throwIfAborted();
        const next = await iterator.next();
        if (next.done) {
          done = true;
          break;
        }
        const promise = fn(next.value, controller.signal);
        // Failures are seen when the promise reaches the head of the window; avoid unhandled rejections meanwhile.
        promise.catch(() => {});
        window.push(promise);
      }
      const head = window.shift();
      if (!head) return;
      yield await head;
    }
  } finally {
    controller.abort(new Error('mapOrdered stopped'));
    signal?.removeEventListener('abort', onAbort);
    await Promise.allSettled(window);
    if (!done) await iterator.return?.();
  }
}
