import type { Generated } from "kysely";

/** GreetersTable is the greeters table; times are milliseconds since the epoch, the one type all three databases share. */
export interface GreetersTable {
  id: Generated<number>;
  hello: string;
  greet_count: number;
  created_at: number;
  updated_at: number;
}

/** Database is the schema the queries are typed against. */
export interface Database {
  greeters: GreetersTable;
}
