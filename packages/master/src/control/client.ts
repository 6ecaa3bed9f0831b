import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { BroodError } from '@brood/messenger';
import { CONTROL_VERSION, type ControlCommand, type ControlResponse } from './protocol.js';

/**
 * Sends one command to a master's control socket and resolves with its
 * result; rejects with the master's error, or when nothing answers within
 * `timeout` ms.
 */
export function sendControl(
  socket: string,
  command: ControlCommand,
  args: Record<string, unknown> = {},
  timeout = 10_000,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const client = connect(socket);
    const timer = setTimeout(() => {
      client.destroy();
      reject(new BroodError('ERR_BROOD_CONTROL_TIMEOUT', `the master did not answer ${command} within ${timeout} ms`));
    }, timeout);
    const done = (settle: () => void): void => {
      clearTimeout(timer);
      client.end();
      settle();
    };
    client.once('error', (error) => done(() => reject(error)));
    client.once('connect', () => client.write(`${JSON.stringify({ brood: CONTROL_VERSION, id: 1, command, args })}\n`));
    createInterface({ input: client }).once('line', (line) => {
      let response: ControlResponse;
      try {
        response = JSON.parse(line) as ControlResponse;
      } catch {
        done(() =>
          reject(new BroodError('ERR_BROOD_BAD_CONTROL_REQUEST', `the master answered something that is not JSON: ${line.slice(0, 100)}`)),
        );
        return;
      }
      if (response.ok) done(() => resolve(response.result));
      else done(() => reject(new BroodError(response.error.code, response.error.message)));
    });
  });
}
