/** Lambda entry point of the export workflow's `deleteRecoveryPoint` Task (ACTION_HANDLER_ENTRIES.deleteRecoveryPoint); see exportTasks.ts. */
import { dependenciesFromEnvironment } from './actionEnvironment.js';
import { deleteRecoveryPoint } from './exportTasks.js';

const dependencies = dependenciesFromEnvironment();

export function handler(state: unknown) {
  return deleteRecoveryPoint(state, dependencies);
}
