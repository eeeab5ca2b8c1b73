/**
 * Keeps a client on the device it identified: every request it sends carries a check that the
 * transport runs when it had to log in (or reconnect) again before resending. Whoever answers
 * then is asked who it is (SMART get_device_info, IOT get_sysinfo, the same identification
 * negotiation makes) and refused with DEVICE_MISMATCH before the request itself goes out when
 * another device took the address meanwhile (docs/protocols/discovery.md §5).
 */
import type { SendOptions, Transport } from '../transport/types';

type Exchange = (plaintext: string) => Promise<string>;

const EMPTY: SendOptions = {};

/** Reads the description a device gives of itself from one identification reply. */
export interface Identification {
  /** The request that asks it. */
  request(): string;
  /**
   * Its description (get_device_info result, sysinfo), or null when the reply is no
   * description (an error code, e.g. the session died again): then nothing can be checked, and
   * the request itself meets that error and the transport's retry budget.
   */
  read(reply: string): Record<string, unknown> | null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** SMART: a get_device_info envelope (`envelope` builds it as the client's protocol does). */
export function smartIdentification(envelope: () => Record<string, unknown>): Identification {
  return {
    request: () => JSON.stringify(envelope()),
    read: (reply) => {
      const json = parse(reply);
      return isRecord(json) && json.error_code === 0 && isRecord(json.result) ? json.result : null;
    },
  };
}

/** IOT: system.get_sysinfo. */
export function iotIdentification(): Identification {
  return {
    request: () => JSON.stringify({ system: { get_sysinfo: {} } }),
    read: (reply) => {
      const json = parse(reply);
      const system = isRecord(json) ? json.system : undefined;
      return isRecord(system) && isRecord(system.get_sysinfo) ? system.get_sysinfo : null;
    },
  };
}

/**
 * `transport` with every send checking, after a new login, that the device is the one
 * `check` expects; `identification()` says how to ask (undefined: nothing to check yet).
 */
export class IdentityGuard implements Transport {
  constructor(
    private readonly transport: Transport,
    private readonly identification: () => Identification | undefined,
    private readonly check: (info: Record<string, unknown>) => void,
  ) {}

  get encryption(): Transport['encryption'] {
    return this.transport.encryption;
  }

  get lastLogin(): Transport['lastLogin'] {
    return this.transport.lastLogin;
  }

  get certificateFingerprint(): string | null {
    return this.transport.certificateFingerprint ?? null;
  }

  send(plaintext: string, options: SendOptions = EMPTY): Promise<string> {
    // The protocols pass the same options object with every request: its guarded copy is made
    // once, not per request (a poll of a large fleet would otherwise allocate both each time).
    if (options !== this.given) {
      this.given = options;
      this.guarded = { ...options, verifySession: this.verifySession };
    }
    return this.transport.send(plaintext, this.guarded);
  }

  /** The last options send() was given, and them with verifySession added. */
  private given: SendOptions | undefined;
  private guarded: SendOptions = {};

  private readonly verifySession = async (exchange: Exchange): Promise<void> => {
    const asking = this.identification();
    if (!asking) return;
    const info = asking.read(await exchange(asking.request()));
    if (info) this.check(info);
  };

  open(): Promise<void> {
    return this.transport.open?.() ?? Promise.resolve();
  }

  reset(): void {
    this.transport.reset();
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}
