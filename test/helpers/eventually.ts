/** Polls `test` every 10 ms until it holds; rejects after `timeoutMs`. For conditions no event signals. */
export async function eventually(test: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
