/** Just enough typing for node-red-node-test-helper 0.3.6 (it ships none). */
declare module 'node-red-node-test-helper' {
  import type { EventEmitter } from 'node:events';

  interface TestResponse {
    status: number;
    body: unknown;
    text: string;
  }

  interface Test extends PromiseLike<TestResponse> {
    send(body: unknown): Test;
    set(field: string, value: string): Test;
  }

  interface Requester {
    get(url: string): Test;
    post(url: string): Test;
  }

  interface NodeTestHelper {
    init(runtimePath: string, userSettings?: Record<string, unknown>): void;
    settings(userSettings?: Record<string, unknown>): Record<string, unknown>;
    load(
      nodes: unknown | unknown[],
      flow: object[],
      credentials?: Record<string, Record<string, string>>,
    ): Promise<void>;
    setFlows(
      flow: object[],
      type?: 'full' | 'nodes' | 'flows',
      credentials?: Record<string, Record<string, string>>,
    ): Promise<void>;
    unload(): Promise<void>;
    getNode(id: string): EventEmitter | null;
    clearFlows(): Promise<void>;
    request(): Requester;
    startServer(): Promise<void>;
    stopServer(): Promise<void>;
    url(): string;
    /** The spy on Node-RED's log (RED.log.log): every line the runtime logs. */
    log(): { callCount: number; getCalls(): { args: unknown[] }[] };
  }

  const helper: NodeTestHelper;
  export = helper;
}
