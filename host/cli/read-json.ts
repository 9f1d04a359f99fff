// Reads a JSON file (or stdin for "-") for the CLI, with errors that name the option.
import { readFileSync } from 'node:fs';
import { RiskgridError } from '../errors.js';
import { parseJsonText } from '../model/validate.js';

export function readJsonFile(path: string, field: string): unknown {
  let text: string;
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (e) {
    throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `cannot read ${field} file ${path}: ${(e as Error).message}`, { field, value: path, cause: e });
  }
  return parseJsonText(text, field);
}
