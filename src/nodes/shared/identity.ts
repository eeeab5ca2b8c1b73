/**
 * A lamp is who it is, not where it is (docs/architecture.md §7): which device a config node
 * means (its MAC, configured or learned at the first connection, and its device id), where it
 * answers now, and the discovery search that follows it to a new address or resolves a `host`
 * given as a MAC. At most one search a minute while the device is missing; concurrent callers
 * share the search under way.
 *
 * Free of Node-RED types, like the hub it serves; the hub decides what a search is for.
 */
import type { DiscoveredDevice } from '../../transport/discovery';
import { UnreachableError } from '../../transport/errors';
import { normaliseMac } from '../../transport/mac';
import { errorCode } from './status-mapping';

/** Failures that say "nobody, or somebody else, answers at this address". */
const MISSING_CODES = new Set(['UNREACHABLE', 'TIMEOUT', 'DEVICE_MISMATCH']);

/** Who the device said it is at negotiation (LampClient.identity). */
export interface KnownIdentity {
  mac: string | null;
  deviceId: string;
}

export interface LocatorOptions {
  /** The configured `host`: an address, or a MAC to find by discovery. */
  host: string;
  /** The configured `mac` (any notation), blank for none. */
  mac?: string;
  /** Searches the network for a MAC (findByMac with the configured targets). */
  find(mac: string): Promise<DiscoveredDevice | null>;
  /** Shortest time between two searches. Default 60 s. */
  searchIntervalMs?: number;
}

const DEFAULT_SEARCH_INTERVAL_MS = 60_000;

export class DeviceLocator {
  private current: string | undefined;
  private expected: string | null;
  private learnedId = '';
  private readonly options: LocatorOptions;
  private searching: Promise<DiscoveredDevice | null> | undefined;
  private lastSearchAt: number | undefined;

  constructor(options: LocatorOptions) {
    this.options = options;
    const hostMac = normaliseMac(options.host);
    // A host written as a MAC names the device, not an address: found at the first use.
    this.current = hostMac ? undefined : options.host;
    this.expected = normaliseMac(options.mac) ?? hostMac;
  }

  /** Where the device answers now; undefined while a `host` given as a MAC is not found yet. */
  get host(): string | undefined {
    return this.current;
  }

  /** The MAC the device must have ("AA:BB:…"): configured, or learned; null before either. */
  get mac(): string | null {
    return this.expected;
  }

  get deviceId(): string {
    return this.learnedId;
  }

  /** Remembers who answered (for as long as Node-RED runs), when no MAC was configured. */
  learn(identity: KnownIdentity | undefined): void {
    if (!identity) return;
    if (!this.expected && identity.mac) this.expected = identity.mac;
    if (identity.mac === this.expected && identity.deviceId) this.learnedId = identity.deviceId;
  }

  /** Whether `err` should send us looking for the device elsewhere (its MAC known). */
  worthSearching(err: unknown): boolean {
    return this.expected !== null && MISSING_CODES.has(errorCode(err) ?? '');
  }

  /**
   * Searches for the device by MAC, unless a search ran within the interval (then null at
   * once, or the one under way). Resolves with the device when it answered at another address
   * than the current one, else null.
   */
  async relocate(): Promise<DiscoveredDevice | null> {
    const found = await this.search();
    return found && found.host !== this.current ? found : null;
  }

  /** Makes `host` the device's address. */
  moveTo(host: string): void {
    this.current = host;
  }

  /**
   * For a `host` given as a MAC: finds the address (once a minute at most while it is
   * missing), or throws UNREACHABLE saying what was searched.
   */
  async resolve(): Promise<string> {
    if (this.current !== undefined) return this.current;
    const found = await this.search();
    if (this.current !== undefined) return this.current; // a concurrent caller found it
    if (!found) {
      throw new UnreachableError(
        this.options.host,
        'no device with this MAC answered discovery; check that it is powered and on this ' +
          'network, or set lampControlDiscoveryTargets for networks broadcasts do not reach. ' +
          'Node-RED looks again at most once a minute',
      );
    }
    this.current = found.host;
    return found.host;
  }

  private search(): Promise<DiscoveredDevice | null> {
    if (this.searching) return this.searching;
    const mac = this.expected;
    const now = performance.now();
    const interval = this.options.searchIntervalMs ?? DEFAULT_SEARCH_INTERVAL_MS;
    if (!mac || (this.lastSearchAt !== undefined && now - this.lastSearchAt < interval)) {
      return Promise.resolve(null);
    }
    this.lastSearchAt = now;
    const running = this.options
      .find(mac)
      .catch(() => null)
      .finally(() => {
        this.searching = undefined;
      });
    this.searching = running;
    return running;
  }
}
