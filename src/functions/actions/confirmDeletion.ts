/** Lambda entry point of the export workflow's `confirmDeletion` Task (ACTION_HANDLER_ENTRIES.confirmDeletion); see exportTasks.ts. */
import { dependenciesFromEnvironment } from './actionEnvironment.js';
import { confirmDeletion } from './exportTasks.js';

const dependencies = dependenciesFromEnvironment();

export function handler(state: unknown) {
  return confirmDeletion(state, dependencies);
}
