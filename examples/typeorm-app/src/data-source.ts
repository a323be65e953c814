// The app's DataSource. `lockstep check` reads its entity metadata without connecting.
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { Customer } from './entities/customer.js';
import { Order } from './entities/order.js';
import { Product } from './entities/product.js';

export const AppDataSource = new DataSource({
  type: 'better-sqlite3',
  database: process.env.APP_DB ?? '.lockstep/app.db',
  entities: [Customer, Order, Product],
  migrations: [],
  synchronize: false,
});
