/**
 * The Kasa IOT JSON dialect carried inside KLAP: nested `{"module":{"method":{args}}}` requests,
 * answered in the same shape with an `err_code` per module or per method (docs/protocols/dialects.md §8).
 */
import { DeviceError, MalformedResponseError } from '../transport/errors';
import type { Transport } from '../transport/types';

/** module -> method -> args, several of each allowed in one request. */
export type IotRequest = Record<string, Record<string, unknown>>;

const IOT_ERROR_MEANINGS: ReadonlyMap<number, string> = new Map([
  [-1, 'module not supported by this device'],
  [-2, 'method not supported by this device'],
  [-3, 'invalid request (JSON)'],
  [-4, 'invalid parameters'],
  [-7, 'invalid parameters'],
  [-1323, 'command not found'],
  [-2001, 'module not supported by this device'],
]);

export function iotErrorMeaning(code: number, message?: string): string {
  const known = IOT_ERROR_MEANINGS.get(code);
  if (known) return known;
  return message ? `device error: ${message}` : 'unknown device error';
}

export class IotProtocol {
  constructor(
    private readonly transport: Transport,
    private readonly address: string,
  ) {}

  /** Send a whole nested request; returns the nested reply, with no err_code checked. */
  async send(request: IotRequest): Promise<Record<string, Record<string, unknown>>> {
    const text = await this.transport.send(JSON.stringify(request));
    let reply: unknown;
    try {
      reply = JSON.parse(text);
    } catch {
      throw new MalformedResponseError(this.address, 'reply is not JSON');
    }
    if (typeof reply !== 'object' || reply === null || Array.isArray(reply)) {
      throw new MalformedResponseError(this.address, 'reply is not a JSON object');
    }
    return reply as Record<string, Record<string, unknown>>;
  }

  /**
   * Pull one method's result out of a reply, throwing the device's error for it (module-level
   * errors first, since then the method was never reached).
   */
  result(
    reply: Record<string, Record<string, unknown>>,
    module: string,
    method: string,
  ): Record<string, unknown> {
    const name = `${module}.${method}`;
    const moduleReply = reply[module];
    if (typeof moduleReply !== 'object' || moduleReply === null) {
      throw new MalformedResponseError(this.address, `no answer for ${module}`);
    }
    const moduleCode = moduleReply.err_code;
    if (typeof moduleCode === 'number' && moduleCode !== 0) {
      throw this.error(name, moduleCode, moduleReply.err_msg);
    }
    const methodReply = moduleReply[method];
    if (typeof methodReply !== 'object' || methodReply === null) {
      throw new MalformedResponseError(this.address, `no answer for ${name}`);
    }
    const result = methodReply as Record<string, unknown>;
    if (typeof result.err_code === 'number' && result.err_code !== 0) {
      throw this.error(name, result.err_code, result.err_msg);
    }
    return result;
  }

  /** One method; its result without the err_code bookkeeping. */
  async call(
    module: string,
    method: string,
    params: unknown = {},
  ): Promise<Record<string, unknown>> {
    const reply = await this.send({ [module]: { [method]: params ?? {} } });
    const { err_code: _code, ...result } = this.result(reply, module, method);
    return result;
  }

  private error(name: string, code: number, message: unknown): DeviceError {
    return new DeviceError(
      this.address,
      name,
      code,
      iotErrorMeaning(code, typeof message === 'string' ? message : undefined),
    );
  }
}
