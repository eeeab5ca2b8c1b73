/**
 * The Tapo SMART JSON dialect carried inside KLAP: request envelopes, multipleRequest batching
 * and the device's error codes. Knows nothing about lamps; the SMART driver builds on it.
 */
import { randomUUID } from 'node:crypto';
import { DeviceError, MalformedResponseError } from '../transport/errors';
import type { SendOptions, Transport } from '../transport/types';
import { type BatchReplyParts, reparseBatchReply, splitBatchReply } from './batch-reply-text';

export interface SmartRequest {
  method: string;
  params?: unknown;
}

/** One method's outcome inside a batch: either its result or the device's error for it. */
export type SmartOutcome =
  | { method: string; ok: true; result: unknown }
  | { method: string; ok: false; error: DeviceError };

/** Devices answer at most this many sub-requests well; bigger batches time out (docs/protocols/dialects.md §2). */
export const MAX_BATCH_SIZE = 5;

/** Codes that mean "your session is gone": the transport re-handshakes and retries (within its retry budget). */
export const SESSION_DEAD_CODES: ReadonlySet<number> = new Set([9999, -40401]);

/**
 * Top-level answers to multipleRequest that mean "this device will not take batches" rather than
 * "this request failed": -1003 (JSON decode), -1002 (no such method), 1200 (multi request failed).
 * Unknown codes are treated the same way, as python-kasa does.
 */
const BATCH_REFUSED_CODES: ReadonlySet<number> = new Set([-1003, -1002, 1200]);

/** Readable meanings for SMART error codes (docs/protocols/dialects.md §3), worded to say what to do. */
const SMART_ERROR_MEANINGS: ReadonlyMap<number, string> = new Map([
  [-1, 'the device reported a general failure'],
  [-1001, 'unspecified device error; retry'],
  [-1002, 'method not supported by this device'],
  [-1003, 'the device could not decode the request'],
  [-1004, 'the device could not encode its answer'],
  [-1005, 'the device could not decrypt the request; log in again'],
  [-1006, 'request too long'],
  [-1007, 'the cloud request failed'],
  [-1008, 'invalid parameters (a value is missing, of the wrong type or out of range)'],
  [-1010, 'invalid public key'],
  [-1012, 'invalid terminal UUID'],
  [-1101, 'invalid session parameters'],
  [-1201, 'quick setup error'],
  [-1301, 'rate limited: slow down and retry in a few seconds'],
  [-1401, 'firmware error'],
  [-1402, 'firmware version error'],
  [-1501, 'login failed: check the credentials'],
  [1002, 'transport not available; retry'],
  [1003, 'unknown credentials'],
  [1100, 'handshake failed: check the credentials'],
  [1111, 'login failed: check the credentials'],
  [1112, 'HTTP transport failed; retry'],
  [1200, 'multiple request failed'],
  [9999, 'session timed out; log in again'],
  [-40401, 'session expired; log in again'],
  [-40413, 'invalid nonce; retry'],
]);

export function smartErrorMeaning(code: number): string {
  return SMART_ERROR_MEANINGS.get(code) ?? 'unknown device error';
}

/** Thrown when the reply is not a SMART envelope at all: the device speaks another dialect. */
export class NotSmartReplyError extends Error {
  readonly reply: unknown;
  constructor(reply: unknown) {
    super('reply is not a SMART envelope (no numeric error_code)');
    this.reply = reply;
  }
}

interface SmartEnvelope {
  error_code: number;
  result?: unknown;
}

/** parseReply's answer for text that is not JSON. */
export const NOT_JSON = Symbol('not JSON');

/** A reply's text and parse; `parts` once split (null: not a batch that splits). */
interface ParsedReply {
  text: string;
  reply: unknown;
  parts?: BatchReplyParts | null;
}

export function parseReply(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}

export function isSessionDead(reply: unknown): boolean {
  const code = (reply as { error_code?: unknown } | null)?.error_code;
  return typeof code === 'number' && SESSION_DEAD_CODES.has(code);
}

/** Methods python-kasa always sends with `{}` because some firmware rejects missing params. */
const EMPTY_OBJECT_PARAMS: ReadonlySet<string> = new Set(['get_countdown_rules']);

function hasParams(params: unknown): boolean {
  if (params === undefined || params === null) return false;
  if (typeof params === 'object' && !Array.isArray(params)) return Object.keys(params).length > 0;
  return true;
}

export interface SmartProtocolOptions {
  /** Stable per client; a fresh one is generated when omitted. */
  terminalUuid?: string;
  /** Clock for request_time_milis (tests pin it). */
  now?: () => number;
}

export class SmartProtocol {
  readonly terminalUuid: string;
  /** Drops to 1 for good once the device refuses a batch. */
  batchSize = MAX_BATCH_SIZE;
  private readonly now: () => number;
  private readonly uuidJson: string;
  /**
   * True once the device has answered with a SMART envelope. From then on a reply in another
   * shape is a malformed reply (a typed MalformedResponseError), not a hint at another dialect.
   */
  private spokeSmart = false;

  constructor(
    private readonly transport: Transport,
    readonly address: string,
    options: SmartProtocolOptions = {},
  ) {
    // python-kasa uses base64(md5(uuid4)); any stable opaque string works, this is as long.
    this.terminalUuid =
      options.terminalUuid ?? Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64');
    this.now = options.now ?? Date.now;
    this.uuidJson = JSON.stringify(this.terminalUuid);
  }

  /** The envelope of one request; params omitted when empty (except where `{}` is required). */
  envelope(method: string, params?: unknown): Record<string, unknown> {
    const body: Record<string, unknown> = {
      method,
      request_time_milis: this.now(),
      terminal_uuid: this.terminalUuid,
    };
    if (hasParams(params)) body.params = params;
    else if (EMPTY_OBJECT_PARAMS.has(method)) body.params = {};
    return body;
  }

  /** JSON.stringify(envelope(method, params)), written out without building the envelope. */
  private envelopeText(method: string, params: unknown): string {
    const head = `{"method":${JSON.stringify(method)},"request_time_milis":${JSON.stringify(this.now())},"terminal_uuid":${this.uuidJson}`;
    // A value JSON cannot carry (a function) is left out, as JSON.stringify leaves it out.
    const json = hasParams(params) ? JSON.stringify(params) : undefined;
    if (json !== undefined) return `${head},"params":${json}}`;
    return EMPTY_OBJECT_PARAMS.has(method) && !hasParams(params)
      ? `${head},"params":{}}`
      : `${head}}`;
  }

  /**
   * The last poll's reply (callAll with `sameReply`), parsed. A reply byte-identical to it (a
   * device whose state did not change) is not parsed again: the same result objects are handed
   * out, which the driver only reads and which let it skip mapping an unchanged state; a batch
   * that differs only after its first response shares that response's parse
   * (batch-reply-text.ts). Nothing else is kept: other results may go to users, who may change them, and a client keeps no
   * copy of its negotiation.
   */
  private lastReply: ParsedReply | undefined;
  /** The transport shows us each reply to ask whether the session died; that parse is kept. */
  private readonly sendOptions: SendOptions = {
    sessionDead: (replyText) => isSessionDead(this.parsed(replyText).reply),
  };

  private parsed(text: string): ParsedReply {
    const last = this.lastReply;
    let fresh: ParsedReply | undefined;
    if (last !== undefined) {
      if (last.text === text) return last;
      // A batch whose first response (the device info) is as before: only the rest is parsed.
      if (last.parts === undefined) last.parts = splitBatchReply(last.text, last.reply) ?? null;
      const reply = last.parts && reparseBatchReply(last.reply, last.parts, text);
      if (reply !== undefined && reply !== null) fresh = { text, reply, parts: last.parts };
    }
    fresh ??= { text, reply: parseReply(text) };
    this.lastReply = fresh;
    return fresh;
  }

  /**
   * Send one envelope, return the parsed reply (error_code not yet checked); `shared` allows
   * the parse of an identical earlier reply to be returned (see lastReply).
   */
  private async exchange(method: string, params: unknown, shared: boolean): Promise<SmartEnvelope> {
    if (!shared) this.lastReply = undefined;
    const text = await this.transport.send(this.envelopeText(method, params), this.sendOptions);
    const seen = this.parsed(text);
    const reply = seen.reply;
    if (!shared) this.lastReply = undefined;
    if (reply === NOT_JSON) {
      throw new MalformedResponseError(this.address, `${method}: reply is not JSON`);
    }
    if (
      typeof reply !== 'object' ||
      reply === null ||
      typeof (reply as SmartEnvelope).error_code !== 'number'
    ) {
      if (this.spokeSmart) {
        throw new MalformedResponseError(
          this.address,
          `${method}: reply is not a SMART envelope (no numeric error_code)`,
        );
      }
      throw new NotSmartReplyError(reply);
    }
    this.spokeSmart = true;
    return reply as SmartEnvelope;
  }

  private error(method: string, code: number): DeviceError {
    return new DeviceError(this.address, method, code, smartErrorMeaning(code));
  }

  /** One request; its result (`{}` for setters that return none), or a DeviceError thrown. */
  call(method: string, params?: unknown): Promise<unknown> {
    return this.result(method, params, false);
  }

  private async result(method: string, params: unknown, shared: boolean): Promise<unknown> {
    const reply = await this.exchange(method, params, shared);
    if (reply.error_code !== 0) throw this.error(method, reply.error_code);
    return reply.result ?? {};
  }

  /**
   * Several requests, batched into multipleRequest (at most `batchSize` each). Returns one
   * outcome per request, in order. Per-method errors are kept per method rather than thrown.
   * Because devices stop at the first failing sub-request, methods missing from a reply are
   * asked again one at a time, unless `requeryMissing` is false (for writes, where a half-done
   * change should not be completed behind the caller's back): those get the first error.
   */
  async callAll(
    requests: SmartRequest[],
    options: { requeryMissing?: boolean; sameReply?: boolean } = {},
  ): Promise<SmartOutcome[]> {
    const shared = options.sameReply === true;
    // A poll of a lamp: one getter, one request, nothing to batch or re-query.
    if (requests.length === 1) return [await this.single(requests[0] as SmartRequest, shared)];
    return this.callBatches(requests, options.requeryMissing ?? true, shared);
  }

  /** callAll() of more than one request (its closures are made only here). */
  private async callBatches(
    requests: SmartRequest[],
    requeryMissing: boolean,
    shared: boolean,
  ): Promise<SmartOutcome[]> {
    const outcomes: SmartOutcome[] = [];
    // The first failure so far; without re-query, nothing after it is sent (as a device would).
    let firstError: DeviceError | undefined;
    const skipped = (request: SmartRequest, error: DeviceError): SmartOutcome => ({
      method: request.method,
      ok: false,
      error,
    });
    const record = (outcome: SmartOutcome) => {
      if (!outcome.ok) firstError ??= outcome.error;
      outcomes.push(outcome);
    };
    let index = 0;
    while (index < requests.length) {
      if (!requeryMissing && firstError) {
        for (const request of requests.slice(index)) outcomes.push(skipped(request, firstError));
        break;
      }
      const chunk = nextChunk(requests, index, this.batchSize);
      if (chunk.length === 1) {
        record(await this.single(chunk[0], shared));
        index += 1;
        continue;
      }
      const batch = await this.batch(chunk, shared);
      if (batch === null) continue; // batching just got switched off: redo this chunk singly
      for (let i = 0; i < chunk.length; i++) {
        const outcome = batch[i];
        if (outcome) record(outcome);
        else if (!requeryMissing && firstError) outcomes.push(skipped(chunk[i], firstError));
        else record(await this.single(chunk[i], shared));
      }
      index += chunk.length;
    }
    return outcomes;
  }

  private async single(request: SmartRequest, shared: boolean): Promise<SmartOutcome> {
    // As call(), without its layer: a device error is this request's outcome, not thrown.
    const reply = await this.exchange(request.method, request.params, shared);
    if (reply.error_code !== 0) {
      return {
        method: request.method,
        ok: false,
        error: this.error(request.method, reply.error_code),
      };
    }
    return { method: request.method, ok: true, result: reply.result ?? {} };
  }

  /**
   * One multipleRequest. Returns outcomes aligned with `chunk` (undefined where the device did
   * not answer), or null when the device refused batching, after which batchSize is 1.
   */
  private async batch(
    chunk: SmartRequest[],
    shared: boolean,
  ): Promise<(SmartOutcome | undefined)[] | null> {
    const requests = chunk.map((r) =>
      hasParams(r.params) ? { method: r.method, params: r.params } : { method: r.method },
    );
    const reply = await this.exchange('multipleRequest', { requests }, shared);
    if (reply.error_code !== 0) {
      if (
        BATCH_REFUSED_CODES.has(reply.error_code) ||
        !SMART_ERROR_MEANINGS.has(reply.error_code)
      ) {
        this.batchSize = 1;
        return null;
      }
      throw this.error('multipleRequest', reply.error_code);
    }
    const responses = (reply.result as { responses?: unknown } | undefined)?.responses;
    if (!Array.isArray(responses)) {
      throw new MalformedResponseError(this.address, 'multipleRequest reply has no responses list');
    }
    return alignResponses(chunk, responses, (method, code) => this.error(method, code));
  }
}

/**
 * A multipleRequest's responses matched to its requests by method, in order, so repeated
 * methods pair up correctly; undefined where the device did not answer (both SMART dialects).
 */
export function alignResponses(
  chunk: SmartRequest[],
  responses: unknown[],
  error: (method: string, code: number) => DeviceError,
): (SmartOutcome | undefined)[] {
  const aligned: (SmartOutcome | undefined)[] = new Array(chunk.length).fill(undefined);
  for (const entry of responses) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { method: answered, error_code: code, result } = entry as Record<string, unknown>;
    const slot = chunk.findIndex((r, i) => aligned[i] === undefined && r.method === answered);
    if (slot < 0) continue;
    const method = (chunk[slot] as SmartRequest).method;
    aligned[slot] =
      typeof code !== 'number' || code === 0
        ? { method, ok: true, result: result ?? {} }
        : { method, ok: false, error: error(method, code) };
  }
  return aligned;
}

/**
 * Requests that are always sent as requests of their own, never inside a parent
 * multipleRequest: a control_child there is a shape no client proves on real strips or hubs
 * (docs/protocols/hubs.md §9), so each goes alone with the child's methods batched inside it.
 */
const ALWAYS_ALONE: ReadonlySet<string> = new Set(['control_child']);

/** The next run of requests from `index` that may share one multipleRequest (at most `size`). */
function nextChunk(requests: SmartRequest[], index: number, size: number): SmartRequest[] {
  const first = requests[index] as SmartRequest;
  if (ALWAYS_ALONE.has(first.method)) return [first];
  const chunk = [first];
  for (let i = index + 1; i < requests.length && chunk.length < size; i++) {
    const request = requests[i] as SmartRequest;
    if (ALWAYS_ALONE.has(request.method)) break;
    chunk.push(request);
  }
  return chunk;
}

/** The result of an outcome, or its error thrown. */
export function unwrap(outcome: SmartOutcome): unknown {
  if (!outcome.ok) throw outcome.error;
  return outcome.result;
}
