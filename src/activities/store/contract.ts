import { DataError } from '../../errors';
import type { ContractMode, SchemaContract } from '../../config/column-hints';
import type { FittedWrite } from './fit';

/**
 * dlt's schema contract (`Schema.apply_schema_contract`), applied to one table's fitted write
 * before the table is created or altered, so a refused change writes nothing:
 * - `tables`: a table that does not exist yet (for every mode but evolve it gets no rows: freeze
 *   fails the page, discard_row / discard_value drop its records);
 * - `columns`: a column new to an existing table (a new table takes its columns; hinted columns
 *   are declared): freeze fails the page, discard_row drops the records with a value in it,
 *   discard_value drops the value. A column that saw only nulls is no change: it is left out;
 * - `data_type`: a new variant column (a value that did not fit its column), with the same modes.
 */
export interface ContractInput {
  contract: SchemaContract | undefined;
  /** no such table yet (for a replace: neither the table nor its staging table) */
  newTable: boolean;
  where: string;
}

/** The write as the contract lets it through; `discarded` when the whole table is refused. */
export function applyContract(write: FittedWrite, input: ContractInput): FittedWrite & { discarded?: true } {
  const { contract, where } = input;
  if (!contract) return write;
  if (input.newTable && contract.tables !== 'evolve') {
    if (contract.tables === 'freeze') {
      throw new DataError(`${where}: schema_contract tables is freeze: table "${write.table}" does not exist and may not be created`);
    }
    return { ...write, rows: [], types: new Map(), added: new Map(), discarded: true };
  }
  const columnsMode: ContractMode = input.newTable ? 'evolve' : contract.columns;
  const refused = new Map<string, ContractMode>();
  for (const [column, c] of write.added) {
    if (c.hinted || column.startsWith('_dlt_')) continue; // dlt's own columns may always be added
    const mode = c.variant ? contract.data_type : columnsMode;
    if (mode === 'evolve') continue;
    if (c.nullOnly) {
      refused.set(column, 'discard_value'); // only nulls: no change to the schema, nothing lost
      continue;
    }
    if (mode === 'freeze') throw frozen(where, write, column, c.variant);
    refused.set(column, mode);
  }
  if (refused.size === 0) return write;
  return filtered(write, refused);
}

function frozen(where: string, write: FittedWrite, column: string, variant: boolean): DataError {
  const type = write.types.get(column);
  return new DataError(
    variant
      ? `${where}: schema_contract data_type is freeze: a value does not fit its column, it would need variant column "${column}" (${type}) in table "${write.table}"`
      : `${where}: schema_contract columns is freeze: new column "${column}" (${type}) in table "${write.table}"`,
  );
}

/** Rows without the refused columns: a record with a value in a discard_row column is dropped, a discard_value value is. */
function filtered(write: FittedWrite, refused: Map<string, ContractMode>): FittedWrite {
  const rows: Record<string, unknown>[] = [];
  for (const row of write.rows) {
    let out = row;
    let keep = true;
    for (const [column, mode] of refused) {
      if (!(column in row)) continue;
      if (mode === 'discard_row' && row[column] !== null && row[column] !== undefined) {
        keep = false;
        break;
      }
      if (out === row) out = { ...row };
      delete out[column];
    }
    if (keep) rows.push(out);
  }
  const types = new Map([...write.types].filter(([c]) => !refused.has(c)));
  const added = new Map([...write.added].filter(([c]) => !refused.has(c)));
  return { ...write, rows, types, added };
}
