import { defineTask } from 'brood';
import { served } from '../../lib/quote.js';

/** Runs in one worker per tick: logs how many quotes that worker served. */
export default defineTask({
  schedule: { interval: '1m', type: 'worker' },
  async task(ctx) {
    ctx.logger.info({ served: served() }, 'quotes served by this worker');
  },
});
