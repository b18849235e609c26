/** Lambda entry point of the export workflow's `startRestore` Task (ACTION_HANDLER_ENTRIES.startRestore); see dynamoDbTasks.ts. */
import { dependenciesFromEnvironment } from './actionEnvironment.js';
import { EXPORT_TASK_FUNCTIONS } from './exportTasks.js';

const dependencies = dependenciesFromEnvironment();

export function handler(state: unknown) {
  return EXPORT_TASK_FUNCTIONS.startRestore(state, dependencies);
}
