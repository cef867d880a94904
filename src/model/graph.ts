/**
 * A tiny scheduler: each node starts as soon as every node it depends on has finished, so
 * independent AWS work overlaps. On the first failure nothing new starts; the nodes already running
 * finish (so what they made is recorded), then the first error is thrown.
 */
export interface GraphNode<K extends string> {
  key: K;
  after: readonly K[];
  run: () => Promise<void>;
}

export async function runGraph<K extends string>(nodes: readonly GraphNode<K>[]): Promise<void> {
  const keys = new Set(nodes.map((node) => node.key));
  const done = new Set<K>();
  const started = new Set<K>();
  const running = new Map<K, Promise<void>>();
  let failure: { error: unknown } | undefined;

  const ready = (node: GraphNode<K>): boolean =>
    !started.has(node.key) && node.after.every((key) => done.has(key) || !keys.has(key));

  for (;;) {
    if (!failure) {
      for (const node of nodes.filter(ready)) {
        started.add(node.key);
        running.set(
          node.key,
          node.run().then(
            () => {
              done.add(node.key);
            },
            (error: unknown) => {
              failure ??= { error };
            },
          ),
        );
      }
    }
    if (running.size === 0) break;
    const finished = await Promise.race([...running].map(([key, promise]) => promise.then(() => key)));
    running.delete(finished);
  }
  if (failure) throw failure.error;
  if (done.size !== nodes.length)
    throw new Error(`dependency cycle among: ${[...keys].filter((k) => !done.has(k)).join(', ')}`);
}
