// A background task that reads orders through TypeORM. In your app:
//   import { task } from 'lockstep/jobs';
import { task } from '../../../../src/jobs/index.js';
import { AppDataSource } from '../data-source.js';
import { Order } from '../entities/order.js';

/** How many orders still wait, per customer. */
export const pendingOrders = task('orders.pending', {
  async run() {
    const ds = AppDataSource.isInitialized ? AppDataSource : await AppDataSource.initialize();
    return ds
      .getRepository(Order)
      .createQueryBuilder('o')
      .select('o.customer_id', 'customerId')
      .addSelect('count(*)', 'pending')
      .where('o.status = :status', { status: 'pending' })
      .groupBy('o.customer_id')
      .getRawMany();
  },
});
