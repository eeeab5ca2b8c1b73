/**
 * `lamp-status`: reports the state of its `klap-device`. Polls through the config node's ONE
 * shared poller (which runs at the shortest interval any status node asks for), emits when the
 * state changes, on every input message (fresh read, always emitted), once with
 * `online: false` when the device is lost and with the fresh state when it is back.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { codedError, copyState, findDevice, parseSeconds } from '../shared/config';
import type { HubUser } from '../shared/device-hub';
import { finishInput } from '../shared/input';
import type { ReportedState } from '../shared/status-mapping';
import { configuredTarget, messageTarget, sameTarget } from '../shared/target';
import { ChangeFilter, parsePowerThreshold } from './change-filter';

type Output = 'state' | 'on';

interface LampStatusDef extends NodeDef {
  device?: string;
  interval?: number | string;
  output?: string;
  /** Empty: the device itself (or msg.outlet per input message). */
  outlet?: string;
  /** Empty: `outlet`, else the device itself (or msg.child / msg.outlet per input message). */
  child?: string;
  /** Emit on a power change larger than this many W; blank (flows before it existed) = 0. */
  powerThreshold?: number | string;
}

export = (RED: NodeAPI) => {
  const t = (key: string, vars?: Record<string, string | number>): string => RED._(key, vars);

  function LampStatus(this: Node, config: LampStatusDef) {
    RED.nodes.createNode(this, config);
    const interval = parseSeconds(config.interval, 10, true);
    const output: Output = config.output === 'on' ? 'on' : 'state';
    const device = findDevice(RED, config.device);
    const fixed = configuredTarget(config);
    /** The last state this node sent, for change-only emission. */
    const changes = new ChangeFilter(parsePowerThreshold(config.powerThreshold));

    const fill = (msg: NodeMessage, state: ReportedState): NodeMessage => {
      const copy = copyState(state);
      // An input message keeps its own topic when it has one; polled messages name the device.
      const topic: unknown = msg.topic;
      if (topic === undefined || topic === null || topic === '') {
        msg.topic = copy.alias || device?.hub.host || '';
      }
      msg.payload = output === 'on' ? copy.on : copy;
      msg.state = copy;
      return msg;
    };

    const user: HubUser = {
      id: this.id,
      pollInterval: interval,
      target: fixed.target,
      setDeviceStatus: (status) => this.status(status),
      deviceState: (state) => {
        if (changes.changed(state)) this.send(fill({}, state));
      },
    };

    if (device) {
      device.hub.register(user);
    } else {
      this.status({ fill: 'red', shape: 'ring', text: t('lamp-status.status.noDevice') });
    }

    this.on('input', (msg: NodeMessageInFlow, send, done) => {
      if (!device) {
        done(codedError('NO_DEVICE', t('lamp-status.errors.noDevice')));
        return;
      }
      const hub = device.hub;
      finishInput(
        this,
        hub,
        user,
        async () => {
          if (fixed.error) throw fixed.error;
          const target = messageTarget(fixed.target, msg);
          const state = hub.viewFor(await hub.refresh(user), target);
          // Only the node's own target counts for change-only output; msg.child asks once.
          if (sameTarget(target, fixed.target)) changes.remember(state);
          return fill(msg as NodeMessage, state);
        },
        send,
        done,
      );
    });

    this.on('close', (_removed: boolean, done: () => void) => {
      device?.hub.deregister(user);
      done();
    });
  }

  RED.nodes.registerType('lamp-status', LampStatus);
};
