// A background task that reads the columns the models declare: if the database lacks
// one, `lockstep check` says so before the worker starts failing on it.
import { task } from 'lockstep/jobs';

export const sendInvoice = task('send-invoice', {
  async run(payload: { invoiceId: number }, { log }) {
    log.info('sending invoice', { invoiceId: payload.invoiceId });
    // UPDATE invoices SET status = 'sent', sent_at = CURRENT_TIMESTAMP WHERE id = $1
  },
});
