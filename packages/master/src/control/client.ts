import { connect } from 'node:net';
import { BroodError, broodError, ERR } from '@brood/errors';
import { readLines } from './line-reader.js';
import { CONTROL_VERSION, type ControlArgs, type ControlCommand, type ControlResponse, type ControlResult } from './protocol.js';

/** The longest answer read, in bytes: a status or metrics text is far shorter; a socket that never ends a line is not read forever. */
const MAX_ANSWER = 64 * 1024 * 1024;

/**
 * Sends one command to a master's control socket and resolves with its
 * result; rejects with the master's error, when the connection ends without
 * an answer (the master died), or, when `timeout` is given, when nothing
 * answers within it. Without `timeout` it waits as long as the master works
 * on the command: the master bounds its own commands.
 */
export function sendControl<C extends ControlCommand>(
  socket: string,
  command: C,
  args: ControlArgs<C>,
  timeout?: number,
): Promise<ControlResult<C>> {
  return new Promise((resolve, reject) => {
    const client = connect(socket);
    let settled = false;
    const done = (settle: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.end();
      settle();
    };
    const timer =
      timeout === undefined
        ? undefined
        : setTimeout(() => {
            client.destroy();
            done(() => reject(broodError(ERR.CONTROL_TIMEOUT, `the master did not answer ${command} within ${timeout} ms`)));
          }, timeout);
    client.once('error', (error) => done(() => reject(error)));
    client.once('close', () =>
      done(() => reject(broodError(ERR.CONTROL_UNREACHABLE, `the master closed the control socket before it answered ${command}`))),
    );
    client.once('connect', () => client.write(`${JSON.stringify({ brood: CONTROL_VERSION, id: 1, command, args })}\n`));
    readLines(client, MAX_ANSWER, {
      line: (line) => {
        let response: ControlResponse<C>;
        try {
          response = JSON.parse(line) as ControlResponse<C>;
        } catch {
          done(() => reject(broodError(ERR.BAD_CONTROL_REQUEST, `the master answered something that is not JSON: ${line.slice(0, 100)}`)));
          return;
        }
        if (response.ok) done(() => resolve(response.result));
        else done(() => reject(new BroodError(response.error.code, response.error.message)));
      },
      tooLong: () => {
        client.destroy();
        done(() => reject(broodError(ERR.BAD_CONTROL_REQUEST, `the master's answer to ${command} is longer than ${MAX_ANSWER} bytes`)));
      },
    });
  });
}
