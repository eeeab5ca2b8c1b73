/** An emulated H200 (smartcam side) in memory, and a client to it, for the device-layer tests. */
import { LampClient } from '../../src/device/client';
import { MemoryTransport } from '../../src/emulator/memory-transport';
import { EmulatedSmartcamHub, type H200Options } from '../../src/emulator/smartcam-hub';

/** In memory, as the sslaes transport: it carries the smartcam dialect. */
export class SmartcamMemoryTransport extends MemoryTransport {
  override readonly encryption = 'SSLAES' as const;
}

export function h200(options: H200Options = {}) {
  const device = new EmulatedSmartcamHub(options);
  const transport = new SmartcamMemoryTransport((text) => device.respond(text));
  const lamp = new LampClient({ host: '127.0.0.1', port: 443 }, transport);
  return { device, transport, lamp };
}

/** The methods of the top-level requests sent, one list per request. */
export function methodsSent(transport: MemoryTransport): string[][] {
  return transport.requests.map((r) => {
    const request = r as { method: string; params?: { requests?: { method: string }[] } };
    return request.method === 'multipleRequest'
      ? (request.params?.requests ?? []).map((x) => x.method)
      : [request.method];
  });
}
