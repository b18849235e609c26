/** Lambda entry point of the export workflow's `checkRestore` Task (ACTION_HANDLER_ENTRIES.checkRestore); see dynamoDbTasks.ts. */
import { dependenciesFromEnvironment } from './actionEnvironment.js';
import { EXPORT_TASK_FUNCTIONS } from './exportTasks.js';

const dependencies = dependenciesFromEnvironment();

export function handler(state: unknown) {
  return EXPORT_TASK_FUNCTIONS.checkRestore(state, dependencies);
}
