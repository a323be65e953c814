/**
 * A query of a PostgreSQL application is already in the grammar lint walks.
 *
 * @example
 * postgresQueryAsPostgres('select config from tenants'); // 'select config from tenants'
 */
export function postgresQueryAsPostgres(sql: string): string {
  return sql;
}
