import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('products')
export class Product {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ length: 32, unique: true })
  sku!: string;

  @Column('int', { default: 0 })
  stock!: number;
}
