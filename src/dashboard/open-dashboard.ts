import type { LockstepConfig } from '../core/config.js';
import { createHealthChecker } from '../health/health-checker.js';
import type { HealthSettings } from '../health/health-settings.js';
import { createDashboardJobs } from './dashboard-jobs.js';
import { type RunningDashboard, startDashboard } from './dashboard-server.js';

export interface OpenDashboardOptions {
  config: LockstepConfig;
  host?: string;
  port?: number;
  token?: string;
  readOnly?: boolean;
  /** Health threshold overrides (the config's `health` section applies first). */
  settings?: Partial<HealthSettings>;
}

/**
 * The dashboard for a project: one health checker (one small pool) feeding the page, the
 * jobs API and `/readyz` + `/metrics`.
 *
 * @example
 * const dashboard = await openDashboard({ config: loadConfig(), port: 0 });
 * console.log(`open ${dashboard.url}`);
 * // later: await dashboard.close();
 */
export async function openDashboard(options: OpenDashboardOptions): Promise<RunningDashboard> {
  const checker = createHealthChecker({ config: options.config, settings: options.settings });
  const jobs = createDashboardJobs(() => checker.database());
  try {
    // A malformed, unreachable or wrongly authenticated URL fails here, at start, as for
    // every other command; a connection lost later is shown in the page and retried.
    await checker.database();
    const running = await startDashboard({ checker, jobs, host: options.host, port: options.port, token: options.token, readOnly: options.readOnly });
    return {
      ...running,
      close: async () => {
        await running.close();
        await jobs.close();
        await checker.close();
      },
    };
  } catch (error) {
    await checker.close();
    throw error;
  }
}
