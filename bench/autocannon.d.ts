declare module 'autocannon' {
  interface Histogram {
    average: number;
    p50: number;
    p99: number;
    total: number;
  }
  interface Result {
    requests: Histogram;
    latency: Histogram;
    errors: number;
    non2xx: number;
  }
  function autocannon(opts: Record<string, unknown>): Promise<Result>;
  namespace autocannon {
    type Options = Record<string, unknown>;
    type Result = import('autocannon').Result;
  }
  export default autocannon;
}
