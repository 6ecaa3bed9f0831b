import { type ClusterStatusResult, sendControl } from '@brood/master';
import { describe, type Instance } from './instance.js';
import { explain, out, table } from './output.js';

/** Seconds (or minutes) between an ISO time and now: `3s ago`. */
function ago(iso: string | undefined, now: number): string {
  if (iso === undefined) return '-';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return seconds < 120 ? `${seconds}s ago` : `${Math.round(seconds / 60)}m ago`;
}

/**
 * `brood status --cluster [--json]`: what this instance's master reads from
 * Redis. Exit 0 with the list; 1 when cluster mode is off for the instance
 * or Redis cannot be read.
 */
export async function clusterStatus(instance: Extract<Instance, { running: true }>, json: boolean): Promise<number> {
  let result: ClusterStatusResult;
  try {
    result = await sendControl(instance.socket, 'cluster-status', {});
  } catch (error) {
    out(`brood: cannot read the cluster of ${describe(instance)}: ${explain(error)}`, true);
    return 1;
  }
  if (json) {
    out(JSON.stringify({ running: true, title: instance.title, baseDir: instance.baseDir, cluster: result }, null, 2));
    return result.enabled ? 0 : 1;
  }
  if (!result.enabled) {
    out(`${describe(instance)}: ${result.reason}`, true);
    return 1;
  }
  const now = Date.now();
  const count = result.instances.length;
  const leader = result.leader === null ? 'no leader now' : `leader ${result.leader}`;
  const rows = [['INSTANCE', 'HOST', 'PID', 'TITLE', 'URL', 'WORKERS', 'VERSION', 'STARTED', 'SEEN', 'LEADER']];
  for (const i of result.instances) {
    const id = i.id === result.instance ? `${i.id} (this)` : i.id;
    rows.push([
      id,
      i.host,
      String(i.pid),
      i.title,
      i.url || '-',
      String(i.workers),
      i.version || '-',
      i.startedAt,
      ago(i.seenAt, now),
      i.leader ? 'yes' : '',
    ]);
  }
  out(`cluster ${result.name} at ${result.redis}: ${count} instance${count === 1 ? '' : 's'}, ${leader}\n${table(rows)}`);
  if (result.tasks.length > 0) {
    const taskRows = [['TASK', 'LAST FIRE', 'RAN ON', 'TOKEN', 'CLAIMED']];
    for (const t of result.tasks) {
      const fire = t.fireTime === null ? 'brood run-task' : new Date(t.fireTime).toISOString();
      taskRows.push([t.task, fire, t.instance, String(t.token), ago(new Date(t.at).toISOString(), now)]);
    }
    out(`\n${table(taskRows)}`);
  }
  return 0;
}
