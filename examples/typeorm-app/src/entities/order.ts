import { Column, Entity, Index, JoinColumn, JoinTable, ManyToMany, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Customer } from './customer.js';
import { Product } from './product.js';

@Entity('orders')
@Index('orders_status_idx', ['status'])
export class Order {
  @PrimaryGeneratedColumn()
  id!: number;

  @ManyToOne(() => Customer, (customer) => customer.orders, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'customer_id' })
  customer!: Customer;

  @Column({ type: 'varchar', length: 20, default: 'pending' })
  status!: string;

  @ManyToMany(() => Product)
  @JoinTable({ name: 'order_products', joinColumn: { name: 'order_id' }, inverseJoinColumn: { name: 'product_id' } })
  products!: Product[];
}
