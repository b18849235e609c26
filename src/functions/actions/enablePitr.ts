/** Lambda entry point of the export workflow's `enablePitr` Task (ACTION_HANDLER_ENTRIES.enablePitr); see dynamoDbTasks.ts. */
import { dependenciesFromEnvironment } from './actionEnvironment.js';
import { EXPORT_TASK_FUNCTIONS } from './exportTasks.js';

const dependencies = dependenciesFromEnvironment();

export function handler(state: unknown) {
  return EXPORT_TASK_FUNCTIONS.enablePitr(state, dependencies);
}
