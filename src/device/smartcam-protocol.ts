/**
 * The "smartcam" JSON dialect of the Tapo H200 hub (and Tapo cameras), carried by the sslaes
 * transport (docs/protocols/smartcam.md): camel-case methods with module-shaped params, every
 * request sent as a `multipleRequest`, replies flat or module-shaped. The hub stops at the
 * first entry that fails; whatever it left unanswered is asked again on its own.
 */
import { DeviceError, MalformedResponseError } from '../transport/errors';
import type { Transport } from '../transport/types';
import {
  alignResponses,
  isSessionDead,
  NOT_JSON,
  parseReply,
  type SmartOutcome,
  type SmartRequest,
  smartErrorMeaning,
} from './smart-protocol';

/** Entries per multipleRequest, as clients that drive real H200s send at most. */
const SMARTCAM_BATCH_SIZE = 5;

/** Smartcam codes beside the SMART ones, which it shares (docs/protocols/smartcam.md §2). */
const SMARTCAM_MEANINGS: ReadonlyMap<number, string> = new Map([
  [-40106, 'invalid parameters'],
  [-40210, 'method not supported by this device'],
]);

/** Whether a transport carries the smartcam dialect: the sslaes transport (the H200's HTTPS). */
export function carriesSmartcam(transport: Transport): boolean {
  return transport.encryption === 'SSLAES';
}

/**
 * Whether the answer to the first smartcam requests says the device does not speak smartcam:
 * its getDeviceInfo refused as an unknown method (SMART -1002, smartcam -40210) or answered in
 * another shape.
 */
export function speaksNoSmartcam(error: unknown): boolean {
  if (error instanceof MalformedResponseError) return true;
  return (
    error instanceof DeviceError &&
    error.method === 'getDeviceInfo' &&
    [-1002, -40210].includes(error.deviceCode)
  );
}

export function smartcamErrorMeaning(code: number): string {
  return SMARTCAM_MEANINGS.get(code) ?? smartErrorMeaning(code);
}

type Info = Record<string, unknown>;

function isInfo(value: unknown): value is Info {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A reply's part for one module: `{ siren: {...} }` → its `siren`, while flat replies (the
 * siren's status and config are flat on the H200) are taken as they are.
 */
export function moduleOf(result: unknown, module: string): Info {
  if (!isInfo(result)) return {};
  const inner = result[module];
  return isInfo(inner) ? inner : result;
}

export class SmartcamProtocol {
  batchSize = SMARTCAM_BATCH_SIZE;

  constructor(
    private readonly transport: Transport,
    readonly address: string,
  ) {}

  private error(method: string, code: number): DeviceError {
    return new DeviceError(this.address, method, code, smartcamErrorMeaning(code));
  }

  /** One method (as a batch of one, the shape python-kasa sends); its result, or its error thrown. */
  async call(method: string, params?: unknown): Promise<unknown> {
    const [outcome] = await this.callAll([{ method, params }]);
    if (!outcome) throw new MalformedResponseError(this.address, `${method}: no answer`);
    if (!outcome.ok) throw outcome.error;
    return outcome.result;
  }

  /**
   * Several methods in multipleRequests of at most `batchSize`; one outcome per request, in
   * order. Entries the hub left unanswered (it stops at the first failure) are asked again one
   * at a time, unless `requeryMissing` is false (writes): those get the first error.
   */
  async callAll(
    requests: SmartRequest[],
    options: { requeryMissing?: boolean } = {},
  ): Promise<SmartOutcome[]> {
    const requery = options.requeryMissing ?? true;
    const outcomes: SmartOutcome[] = [];
    let firstError: DeviceError | undefined;
    for (let index = 0; index < requests.length; index += this.batchSize) {
      const chunk = requests.slice(index, index + this.batchSize);
      if (!requery && firstError) {
        for (const r of chunk) outcomes.push({ method: r.method, ok: false, error: firstError });
        continue;
      }
      const answered = await this.batch(chunk);
      for (let i = 0; i < chunk.length; i++) {
        const request = chunk[i] as SmartRequest;
        let outcome = answered[i];
        if (!outcome) {
          if (!requery && firstError) {
            outcome = { method: request.method, ok: false, error: firstError };
          } else {
            const [again] = await this.batch([request]);
            outcome = again ?? {
              method: request.method,
              ok: false,
              error: this.error(request.method, -1),
            };
          }
        }
        if (!outcome.ok) firstError ??= outcome.error;
        outcomes.push(outcome);
      }
    }
    return outcomes;
  }

  /** One multipleRequest; outcomes aligned with `chunk` (undefined where unanswered). */
  private async batch(chunk: SmartRequest[]): Promise<(SmartOutcome | undefined)[]> {
    const requests = chunk.map((r) =>
      r.params === undefined ? { method: r.method, params: {} } : r,
    );
    const body = JSON.stringify({ method: 'multipleRequest', params: { requests } });
    // The transport shows each reply to ask whether the session died; that parse is kept.
    let seen: { text: string; reply: unknown } | undefined;
    const parse = (text: string): unknown => {
      if (seen?.text !== text) seen = { text, reply: parseReply(text) };
      return seen.reply;
    };
    const text = await this.transport.send(body, {
      sessionDead: (reply) => isSessionDead(parse(reply)),
    });
    const reply = parse(text);
    if (reply === NOT_JSON) {
      throw new MalformedResponseError(this.address, 'multipleRequest: reply is not JSON');
    }
    if (!isInfo(reply)) throw new MalformedResponseError(this.address, 'reply is not an object');
    const code = typeof reply.error_code === 'number' ? reply.error_code : 0;
    if (code !== 0)
      throw this.error(chunk.length === 1 ? (chunk[0]?.method ?? '') : 'multipleRequest', code);
    const responses = isInfo(reply.result) ? reply.result.responses : undefined;
    if (!Array.isArray(responses)) {
      throw new MalformedResponseError(this.address, 'multipleRequest reply has no responses');
    }
    return alignResponses(chunk, responses, (method, code) => this.error(method, code));
  }
}
