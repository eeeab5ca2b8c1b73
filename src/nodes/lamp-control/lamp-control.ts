/**
 * `lamp-control`: sends a command (the msg.payload grammar, a fixed on/off/toggle, or a raw
 * device request in msg.request) through the shared session of its `klap-device`, and passes
 * the incoming msg on with msg.payload = the device's state after the command (or the decoded
 * response of a raw request). Errors end in done(err) so Catch nodes get them.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { InvalidCommandError } from '../../transport/errors';
import { codedError, copyState, findDevice } from '../shared/config';
import type { HubUser } from '../shared/device-hub';
import { finishInput } from '../shared/input';
import { configuredTarget, messageTarget } from '../shared/target';

type Action = 'payload' | 'on' | 'off' | 'toggle';
const ACTIONS: readonly Action[] = ['payload', 'on', 'off', 'toggle'];

interface LampControlDef extends NodeDef {
  device?: string;
  action?: string;
  /** Empty: the device itself (or msg.outlet per message). */
  outlet?: string;
  /** Empty: `outlet`, else the device itself (or msg.child / msg.outlet per message). */
  child?: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export = (RED: NodeAPI) => {
  const t = (key: string, vars?: Record<string, string | number>): string => RED._(key, vars);

  /** Validates `msg.request` = { method: string, params?: object }. */
  function parseRawRequest(request: unknown): { method: string; params?: unknown } {
    if (!isRecord(request) || typeof request.method !== 'string' || !request.method.trim()) {
      throw new InvalidCommandError('request.method', t('lamp-control.errors.requestMethod'));
    }
    const params = request.params;
    if (params !== undefined && params !== null && typeof params !== 'object') {
      throw new InvalidCommandError('request.params', t('lamp-control.errors.requestParams'));
    }
    return params === undefined || params === null
      ? { method: request.method.trim() }
      : { method: request.method.trim(), params };
  }

  /**
   * `msg.payload = { energyHistory: { interval, start?, end? } }` is a query, not a command: its
   * query, or undefined for any other payload. Mixed with command properties it is refused, so
   * a flow never gets a history where it meant a change (or the other way round).
   */
  function energyHistoryQuery(payload: unknown): unknown {
    if (!isRecord(payload) || payload.energyHistory === undefined) return undefined;
    if (Object.keys(payload).some((key) => key !== 'energyHistory')) {
      throw new InvalidCommandError('energyHistory', t('lamp-control.errors.energyHistoryAlone'));
    }
    return payload.energyHistory;
  }

  function LampControl(this: Node, config: LampControlDef) {
    RED.nodes.createNode(this, config);
    const action: Action = ACTIONS.find((a) => a === config.action) ?? 'payload';
    const device = findDevice(RED, config.device);
    const fixed = configuredTarget(config);

    const user: HubUser = {
      id: this.id,
      target: fixed.target,
      setDeviceStatus: (status) => this.status(status),
    };

    if (device) {
      device.hub.register(user);
    } else {
      this.status({ fill: 'red', shape: 'ring', text: t('lamp-control.status.noDevice') });
    }

    this.on('input', (msg: NodeMessageInFlow, send, done) => {
      if (!device) {
        done(codedError('NO_DEVICE', t('lamp-control.errors.noDevice')));
        return;
      }
      const hub = device.hub;
      const hasRequest = msg.request !== undefined && msg.request !== null;
      const run = async (): Promise<NodeMessage> => {
        if (fixed.error) throw fixed.error;
        // The node's own child or outlet wins; msg.child / msg.outlet serve nodes left on the
        // whole device.
        const target = messageTarget(fixed.target, msg);
        if (action !== 'payload' && hasRequest) {
          // A raw read sent to a "toggle" node must not toggle the lamp: refuse, send nothing.
          throw new InvalidCommandError(
            'request',
            t('lamp-control.errors.requestFixedAction', { action }),
          );
        }
        const history = energyHistoryQuery(msg.payload);
        if (action !== 'payload' && history !== undefined) {
          // A history query sent to a "toggle" node must not toggle the lamp either.
          throw new InvalidCommandError(
            'energyHistory',
            t('lamp-control.errors.energyHistoryFixedAction', { action }),
          );
        }
        if (hasRequest) {
          const { method, params } = parseRawRequest(msg.request);
          msg.payload = await hub.request(method, params, target);
        } else if (history !== undefined) {
          msg.payload = await hub.energyHistory(history, target);
        } else {
          // Fixed actions ignore msg.payload: any message (without msg.request) triggers them.
          const command: unknown = action === 'payload' ? msg.payload : action;
          msg.payload = copyState(hub.viewFor(await hub.command(command, target), target));
        }
        return msg as NodeMessage;
      };
      finishInput(this, hub, user, run, send, done);
    });

    this.on('close', (_removed: boolean, done: () => void) => {
      device?.hub.deregister(user);
      done();
    });
  }

  RED.nodes.registerType('lamp-control', LampControl);
};
