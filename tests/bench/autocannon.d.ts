// The part of autocannon 9's programmatic API the benchmarks use (the package ships no types).
declare module "autocannon" {
  import type { EventEmitter } from "node:events";

  namespace autocannon {
    type Headers = Record<string, string>;
    type RequestParams = { method?: string; path?: string; headers?: Headers; body?: string | Buffer };
    interface Request extends RequestParams {
      /** called before each request is written; returns the request to send (spread the one it gets) */
      setupRequest?: (req: RequestParams, context: Record<string, unknown>) => RequestParams;
      /** called with every response to this request (the body is read only when this is set) */
      onResponse?: (status: number, body: string, context: Record<string, unknown>, headers: Record<string, string>) => void;
    }
    interface Options {
      /** several URLs: the connections are spread over them */
      url: string | string[];
      connections?: number;
      /** seconds */
      duration?: number;
      /** stop after this many responses (spread evenly over the connections) instead of after `duration` */
      amount?: number;
      /** per-request timeout in seconds (default 10) */
      timeout?: number;
      pipelining?: number;
      method?: string;
      headers?: Headers;
      body?: string | Buffer;
      requests?: Request[];
      title?: string;
    }
    interface Histogram {
      average: number;
      mean: number;
      stddev: number;
      min: number;
      max: number;
      total: number;
      p50: number;
      p90: number;
      p97_5: number;
      p99: number;
    }
    interface Result {
      title?: string;
      duration: number;
      errors: number;
      timeouts: number;
      non2xx: number;
      resets: number;
      "1xx": number;
      "2xx": number;
      "3xx": number;
      "4xx": number;
      "5xx": number;
      statusCodeStats: Record<string, { count: number }>;
      latency: Histogram;
      requests: Histogram & { sent: number };
      throughput: Histogram;
    }
    interface Instance extends EventEmitter, PromiseLike<Result> {
      stop(): void;
    }
  }

  function autocannon(opts: autocannon.Options): autocannon.Instance;
  export default autocannon;
}
