/**
 * The SDK's own HTTP client with a deadline on every call. `Client` sends through axios with no
 * timeout at all, so a Feishu (or proxy) that accepts the connection and never answers would hold
 * a send, and the job running it, forever. Each call here gets axios's idle timeout and an abort
 * signal for the whole exchange; the SDK's interceptors (replies unwrapped to their body) stay,
 * since the calls still go through its `defaultHttpInstance`.
 */
import { defaultHttpInstance, type HttpInstance, type HttpRequestOptions } from '@larksuiteoapi/node-sdk';

/** An HttpInstance for `new Client({ httpInstance })` whose every request ends within `timeoutMs`. */
export function feishuHttp(timeoutMs: number): HttpInstance {
  // axios takes `signal` too; the SDK's option type does not list it.
  const bounded = <D>(o: HttpRequestOptions<D> = {}): HttpRequestOptions<D> => {
    const withSignal: HttpRequestOptions<D> & { signal: AbortSignal } = {
      ...o,
      timeout: Math.min(o.timeout || timeoutMs, timeoutMs),
      signal: AbortSignal.timeout(timeoutMs),
    };
    return withSignal;
  };
  const http = defaultHttpInstance as unknown as HttpInstance;
  return {
    request: (o) => http.request(bounded(o)),
    get: (url, o) => http.get(url, bounded(o)),
    delete: (url, o) => http.delete(url, bounded(o)),
    head: (url, o) => http.head(url, bounded(o)),
    options: (url, o) => http.options(url, bounded(o)),
    post: (url, data, o) => http.post(url, data, bounded(o)),
    put: (url, data, o) => http.put(url, data, bounded(o)),
    patch: (url, data, o) => http.patch(url, data, bounded(o)),
  };
}
