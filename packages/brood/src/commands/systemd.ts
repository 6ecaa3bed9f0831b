import { realpathSync } from 'node:fs';
import { userInfo } from 'node:os';
import { basename } from 'node:path';
import { checkTitle, DEFAULT_TITLE, resolveOptions, stopBudget } from '@brood/master';
import { appFolderWithApp } from './instance.js';
import { out } from './output.js';

/** Flags of `brood systemd`. */
export interface SystemdFlags {
  title?: string;
  user?: string;
}

/**
 * `brood systemd`: prints a systemd unit that runs the app in the
 * foreground (`brood start`, no `--daemon`: systemd is the supervisor of
 * the master), stops it with SIGTERM to the master alone (`KillMode=mixed`:
 * the master stops its children in order; what is left at the end of
 * `TimeoutStopSec` is killed), reloads it with SIGUSR2 (a rolling restart)
 * and restarts it when the master fails. See docs/deploy.md.
 */
export function systemd(dir: string | undefined, flags: SystemdFlags): number {
  const baseDir = appFolderWithApp(dir);
  const title = flags.title ?? DEFAULT_TITLE;
  checkTitle(title);
  const settings = resolveOptions({ baseDir, title });
  const bin = realpathSync(process.argv[1] ?? 'brood');
  const name = `${basename(baseDir)}${title === DEFAULT_TITLE ? '' : `-${title}`}`;
  // The master's whole stop (readiness drain, the clock, the workers, then the agent), and a margin.
  const stopSeconds = Math.ceil(stopBudget(settings) / 1000) + 15;
  const titleFlag = title === DEFAULT_TITLE ? '' : ` --title ${title}`;
  out(`# ${name}.service, written by brood systemd: save as /etc/systemd/system/${name}.service, then
#   systemctl daemon-reload && systemctl enable --now ${name}
[Unit]
Description=${name} (Brood)
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=${flags.user ?? userInfo().username}
WorkingDirectory=${baseDir}
Environment=NODE_ENV=production
ExecStart=${process.execPath} ${bin} start ${baseDir}${titleFlag}
ExecReload=/bin/kill -USR2 $MAINPID
KillMode=mixed
KillSignal=SIGTERM
TimeoutStopSec=${stopSeconds}
Restart=on-failure
RestartSec=2

[Install]
WantedBy=multi-user.target`);
  return 0;
}
