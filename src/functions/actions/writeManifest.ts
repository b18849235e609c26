/** Lambda entry point of the export workflow's `writeManifest` Task (ACTION_HANDLER_ENTRIES.writeManifest); see exportTasks.ts. */
import { dependenciesFromEnvironment } from './actionEnvironment.js';
import { writeManifest } from './exportTasks.js';

const dependencies = dependenciesFromEnvironment();

export function handler(state: unknown) {
  return writeManifest(state, dependencies);
}
