/**
 * An emulated Tapo H200 hub's JSON side: the smartcam dialect (docs/protocols/smartcam.md),
 * which the sslaes wire server (or a MemoryTransport) hands it as plaintext. Its SMART
 * children, their logs and the control actions are the H100's (EmulatedHub, hub-child.ts),
 * reached here through getChildDeviceList / getChildDeviceComponentList (`childControl`
 * paging) and controlChild (`request_data` → `response_data`). Like a real H200 it answers
 * a multipleRequest entry by entry and stops at the first entry that fails; and its buttons
 * log nothing (real H200s keep their buttons' trigger logs empty) unless told to
 * (`logButtons`).
 */
import { EmulatedHub } from './hub';
import type { HubChildKind, HubChildModel } from './hub-types';
import { isObject, type Json } from './json';
import type { SmartModel } from './model-types';
import {
  D230_COMPONENTS,
  d230Record,
  H200_COMPONENTS,
  H200_SIREN,
  type H200CameraModel,
  h200BasicInfo,
} from './models-h200';
import { type HubChildOption, pairChildren } from './models-hubs';
import { childPage, DEFAULT_CHILD_PAGE_SIZE } from './smart-children';
import { type Answer, envelope, fail, ok } from './smart-envelope';

/** Smartcam error codes the emulated H200 answers. */
export const SMARTCAM_ERRORS = {
  /** A method the hub (or the child) does not have. */
  unknownMethod: -40210,
  /** Parameters missing, of the wrong type or out of range. */
  badParams: -40106,
  /** The request is not JSON / not a request. */
  badRequest: -40209,
} as const;

/** Kinds an H200 keeps out of the logs by default (python-kasa #1699, every H200 dump). */
const H200_UNLOGGED: readonly HubChildKind[] = ['button', 'dial'];

export type H200ChildOption =
  | HubChildOption
  | H200CameraModel
  | { model: H200CameraModel; alias?: string };

/** An H200 as a device dump describes it (scripts/check-fixtures.mjs builds it; our own ids). */
export interface H200DumpSpec {
  basic: Json;
  components: { name: string; version: number }[];
  /** SMART children as the H100's are described. */
  children: HubChildModel[];
  /** Camera-type children: their list records and component lists. */
  cameras: { record: Json; components: { name: string; version: number }[] }[];
  siren?: { config: { duration: number; siren_type: string; volume: string }; types: string[] };
}

export interface H200Options {
  /** Serve a dump's hub instead of our H200 (children, alias and D230s then come from it). */
  dump?: H200DumpSpec;
  alias?: string;
  children?: readonly H200ChildOption[];
  /** Make the buttons and dials log their presses (for tests); real H200s do not. */
  logButtons?: boolean;
  clock?: () => number;
}

function isCamera(option: H200ChildOption): option is H200CameraModel | { model: H200CameraModel } {
  const name = typeof option === 'string' ? option : option.model;
  return name === 'D230';
}

export class EmulatedSmartcamHub {
  /** The H100-style part: SMART children, their logs, the control actions. */
  readonly hub: EmulatedHub;
  /** Requests received (a multipleRequest counts once) and methods run, by name. */
  readonly counters = { requests: 0, methods: {} as Record<string, number> };
  readonly basic: Json;
  /** Camera-type children (D230), listed after the SMART ones. */
  readonly cameras: Json[] = [];
  private readonly siren: { duration: number; siren_type: string; volume: string; until: number };
  private readonly sirenTypes: string[];
  private readonly components: { name: string; version: number }[];
  /** Each camera child's component list, by its device_id. */
  private readonly cameraComponents = new Map<unknown, { name: string; version: number }[]>();
  private readonly clock: () => number;
  private led = 'on';

  constructor(options: H200Options = {}) {
    this.clock = options.clock ?? Date.now;
    const dump = options.dump;
    this.basic = dump ? structuredClone(dump.basic) : h200BasicInfo(options.alias ?? 'Tapo hub');
    this.siren = { ...(dump?.siren?.config ?? H200_SIREN.config), until: 0 };
    this.sirenTypes = [...(dump?.siren?.types ?? H200_SIREN.types)];
    this.components = structuredClone(dump?.components ?? [...H200_COMPONENTS]);
    // The SMART children are paired as on an H100, with the H200's ids.
    const host = {
      name: 'H200',
      info: { device_id: this.basic.dev_id, region: this.basic.region, model: 'H200' },
      hub: {
        children: structuredClone(dump?.children ?? []),
        alarm: { duration: 300, type: 'Doorbell Ring 1', volume: 'high' },
        alarmTypes: [...this.sirenTypes],
        getters: {},
        unloggedKinds: options.logButtons ? [] : [...H200_UNLOGGED],
      },
    } as unknown as SmartModel;
    const smart = (options.children ?? []).filter((c): c is HubChildOption => !isCamera(c));
    pairChildren(host, smart);
    this.hub = new EmulatedHub(
      host.hub as NonNullable<SmartModel['hub']>,
      { in_alarm: false, fw_ver: '1.3.6', region: 'EU' },
      this.clock,
    );
    for (const camera of dump?.cameras ?? []) {
      this.cameras.push(structuredClone(camera.record));
      this.cameraComponents.set(camera.record.device_id, structuredClone(camera.components));
    }
    let index = 0;
    for (const option of options.children ?? []) {
      if (!isCamera(option)) continue;
      const alias = typeof option === 'string' ? undefined : option.alias;
      index += 1;
      const name = alias ?? (index === 1 ? 'Doorbell' : `Doorbell ${index}`);
      const record = d230Record(name, index, String(this.basic.dev_id));
      this.cameras.push(record);
      this.cameraComponents.set(record.device_id, [...D230_COMPONENTS]);
    }
    this.basic.child_num = this.hub.children.length + this.cameras.length;
  }

  /** Makes the buttons log (true) or keep their logs empty as real H200s do (false). */
  setLogButtons(log: boolean): void {
    this.hub.setUnloggedKinds(log ? [] : H200_UNLOGGED);
  }

  /** Whether the siren sounds now. */
  get sirenOn(): boolean {
    return this.clock() < this.siren.until;
  }

  /** The siren's stored configuration, for assertions. */
  get sirenConfig(): { duration: number; siren_type: string; volume: string } {
    const { until: _until, ...config } = this.siren;
    return config;
  }

  /** One plaintext request in, one reply out. Never throws. */
  respond(plaintext: string): string {
    this.counters.requests++;
    let request: unknown;
    try {
      request = JSON.parse(plaintext);
    } catch {
      return JSON.stringify({ error_code: SMARTCAM_ERRORS.badRequest });
    }
    if (!isObject(request) || typeof request.method !== 'string') {
      return JSON.stringify({ error_code: SMARTCAM_ERRORS.badRequest });
    }
    if (request.method !== 'multipleRequest') {
      return JSON.stringify(envelope(this.run(request.method, request.params)));
    }
    const list = isObject(request.params) ? request.params.requests : undefined;
    if (!Array.isArray(list)) return JSON.stringify({ error_code: SMARTCAM_ERRORS.badParams });
    const responses: Json[] = [];
    for (const entry of list) {
      const method = isObject(entry) && typeof entry.method === 'string' ? entry.method : '';
      const answer = method
        ? this.run(method, (entry as Json).params)
        : fail(SMARTCAM_ERRORS.badParams);
      responses.push({ method, ...envelope(answer) });
      // A real H200 stops at the first entry that fails; the rest go unanswered.
      if (answer.code !== 0) break;
    }
    return JSON.stringify({ error_code: 0, result: { responses } });
  }

  private run(method: string, params: unknown): Answer {
    this.counters.methods[method] = (this.counters.methods[method] ?? 0) + 1;
    const p = isObject(params) ? params : {};
    switch (method) {
      case 'getDeviceInfo': {
        // The parts asked for by name (the dumps answer basic_info and info alike).
        const names = isObject(p.device_info) ? p.device_info.name : undefined;
        if (!Array.isArray(names) || names.length === 0) return fail(SMARTCAM_ERRORS.badParams);
        const info: Json = {};
        for (const name of names) {
          if (name === 'basic_info' || name === 'info') info[name] = { ...this.basic };
        }
        return ok({ device_info: info });
      }
      case 'getAppComponentList':
        return ok({
          app_component: { app_component_list: this.components.map((c) => ({ ...c })) },
        });
      case 'getChildDeviceList':
        return this.page(
          p,
          'child_device_list',
          (c) => c.snapshot(),
          (r) => ({ ...r }),
        );
      case 'getChildDeviceComponentList':
        return this.page(
          p,
          'child_component_list',
          (c) => ({ component_list: c.model.components.map((x) => ({ ...x })), device_id: c.id }),
          (r) => ({
            component_list: structuredClone(this.cameraComponents.get(r.device_id) ?? []),
            device_id: r.device_id,
          }),
        );
      case 'controlChild':
        return this.control(p);
      case 'getSirenStatus':
        return ok({
          status: this.sirenOn ? 'on' : 'off',
          time_left: Math.max(0, Math.ceil((this.siren.until - this.clock()) / 1000)),
        });
      case 'getSirenConfig':
        return ok(this.sirenConfig);
      case 'getSirenTypeList':
        return ok({ siren_type_list: [...this.sirenTypes] });
      case 'setSirenConfig':
        return this.configureSiren(p.siren);
      case 'setSirenStatus':
        return this.sound(p.siren);
      case 'getConnectionType':
        return ok({ link_type: 'ethernet' });
      case 'getLedStatus':
        return ok({ led: { config: { '.name': 'config', '.type': 'led', enabled: this.led } } });
      case 'setLedStatus': {
        const enabled =
          isObject(p.led) && isObject(p.led.config) ? p.led.config.enabled : undefined;
        if (enabled !== 'on' && enabled !== 'off') return fail(SMARTCAM_ERRORS.badParams);
        this.led = enabled;
        return ok({});
      }
      case 'setDeviceAlias': {
        const alias =
          isObject(p.system) && isObject(p.system.sys) ? p.system.sys.dev_alias : undefined;
        if (typeof alias !== 'string' || alias === '' || alias.length > 64) {
          return fail(SMARTCAM_ERRORS.badParams);
        }
        this.basic.device_alias = alias;
        return ok({});
      }
      case 'getClockStatus': {
        const seconds = Math.floor(this.clock() / 1000);
        const local = new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
        return ok({ system: { clock_status: { local_time: local, seconds_from_1970: seconds } } });
      }
      case 'getTimezone':
        return ok({ system: { basic: { timezone: 'UTC+01:00', zone_id: 'Europe/Berlin' } } });
    }
    return fail(SMARTCAM_ERRORS.unknownMethod);
  }

  /** A page of one of the child lists: SMART children first, then cameras. */
  private page(
    params: Json,
    key: string,
    smart: (child: EmulatedHub['children'][number]) => Json,
    camera: (record: Json) => Json,
  ): Answer {
    const control = params.childControl;
    if (!isObject(control)) return fail(SMARTCAM_ERRORS.badParams);
    const entries: (() => Json)[] = [
      ...this.hub.children.map((c) => () => smart(c)),
      ...this.cameras.map((r) => () => camera(r)),
    ];
    const answer = childPage(control, DEFAULT_CHILD_PAGE_SIZE, entries, key, (entry) => entry());
    return answer.code === 0 ? answer : fail(SMARTCAM_ERRORS.badParams);
  }

  /** controlChild `{childControl: {device_id, request_data}}`: the child's answer in response_data. */
  private control(params: Json): Answer {
    const control = params.childControl;
    if (!isObject(control)) return fail(SMARTCAM_ERRORS.badParams);
    const data = control.request_data;
    if (!isObject(data) || typeof data.method !== 'string') return fail(SMARTCAM_ERRORS.badParams);
    // Clients that drive real H200s send one method per controlChild; a batch inside it is
    // a shape no one has shown an H200 to take, so the emulator refuses it.
    if (data.method === 'multipleRequest') {
      return ok({ response_data: { error_code: SMARTCAM_ERRORS.unknownMethod } });
    }
    const child = this.hub.children.find((c) => c.id === control.device_id);
    if (child) return ok({ response_data: child.respond(data) });
    const camera = this.cameras.find((r) => r.device_id === control.device_id);
    if (!camera) return fail(SMARTCAM_ERRORS.badParams);
    if (data.method === 'getDeviceInfo') {
      return ok({ response_data: envelope(ok({ device_info: { basic_info: { ...camera } } })) });
    }
    return ok({ response_data: { error_code: SMARTCAM_ERRORS.unknownMethod } });
  }

  private configureSiren(siren: unknown): Answer {
    if (!isObject(siren) || Object.keys(siren).length === 0) return fail(SMARTCAM_ERRORS.badParams);
    for (const [key, value] of Object.entries(siren)) {
      const valid =
        (key === 'duration' &&
          Number.isInteger(value) &&
          (value as number) >= 1 &&
          (value as number) <= 600) ||
        (key === 'siren_type' && this.sirenTypes.includes(value as string)) ||
        (key === 'volume' && typeof value === 'string' && /^([1-9]|10)$/.test(value));
      if (!valid) return fail(SMARTCAM_ERRORS.badParams);
    }
    Object.assign(this.siren, siren);
    return ok({});
  }

  private sound(siren: unknown): Answer {
    const status = isObject(siren) ? siren.status : undefined;
    if (status !== 'on' && status !== 'off') return fail(SMARTCAM_ERRORS.badParams);
    this.siren.until = status === 'on' ? this.clock() + this.siren.duration * 1000 : 0;
    return ok({});
  }
}
