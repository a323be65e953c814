// A background task that writes the columns the models declare: if the database lacks
// one, `lockstep check` says so before the worker starts failing on it.
// In a service: import { task } from 'lockstep/jobs'. The example imports the source so
// it typechecks inside this repository.
import { task } from '../../../src/jobs/index.js';

export const sendInvoice = task('send-invoice', {
  async run(payload: { invoiceId: number }, { log }) {
    log.info('sending invoice', { invoiceId: payload.invoiceId });
    // UPDATE invoices SET status = 'sent', sent_at = CURRENT_TIMESTAMP WHERE id = $1
  },
});
