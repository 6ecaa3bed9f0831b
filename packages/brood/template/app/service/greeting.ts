import { Service } from 'brood';

let latestMotd = 'no message yet';

/** Keeps the message of the day this worker was last told. */
export function setMotd(text: string): void {
  latestMotd = text;
}

export default class GreetingService extends Service {
  message(): string {
    return `${this.config.greeting} from worker ${process.pid}`;
  }

  motd(): string {
    return latestMotd;
  }
}
