/** Lambda entry point of the export workflow's `checkExport` Task (ACTION_HANDLER_ENTRIES.checkExport); see exportTasks.ts. */
import { dependenciesFromEnvironment } from './actionEnvironment.js';
import { checkExport } from './exportTasks.js';

const dependencies = dependenciesFromEnvironment();

export function handler(state: unknown) {
  return checkExport(state, dependencies);
}
