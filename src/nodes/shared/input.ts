/**
 * The end of an input message of lamp-control and lamp-status: run the device work, show the
 * outcome in the node status, send the message on, and end it EXACTLY once, with done() or
 * done(err), whatever throws on the way (send included). Nothing escapes as an unhandled
 * rejection.
 */
import type { Node, NodeMessage } from 'node-red';
import { codedError } from './config';
import type { DeviceHub, HubUser } from './device-hub';

type Send = (msg: NodeMessage) => void;
type Done = (err?: Error) => void;

function asError(err: unknown): Error {
  return err instanceof Error ? err : codedError('ERROR', String(err));
}

/**
 * Runs `work`; on success sends the message `work` resolved to (after restoring the device
 * status over a red ring an earlier failure left), on failure shows the reason as a red ring.
 */
export function finishInput(
  node: Node,
  hub: DeviceHub,
  user: HubUser,
  work: () => Promise<NodeMessage>,
  send: Send,
  done: Done,
): void {
  let ended = false;
  const end = (err?: unknown): void => {
    if (ended) return;
    ended = true;
    try {
      if (err === undefined) done();
      else done(asError(err));
    } catch (failure) {
      // done() itself failed: the message cannot be ended twice; say so in the log.
      node.error(asError(failure).message);
    }
  };
  const fail = (err: unknown): void => {
    try {
      node.status(hub.errorStatus(err));
    } catch {
      // status is cosmetic
    }
    end(err);
  };
  Promise.resolve()
    .then(work)
    .then(
      (msg) => {
        // Replace a red ring left by an earlier failure with the device status.
        const status = hub.statusOf(user);
        if (status.text) node.status(status);
        send(msg);
        end();
      },
      (err: unknown) => fail(err),
    )
    .catch((err: unknown) => fail(err));
}
