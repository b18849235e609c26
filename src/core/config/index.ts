/**
 * The configuration module's public surface: read `vaultpilot.config.yaml`, derive the runtime
 * settings for the Lambda functions, and the run-time decisions that read them.
 */
export { AWS_REGIONS, BACKUP_RESOURCE_TYPES, VAULT_NOTIFICATION_EVENTS } from './awsNames.js';
export {
  ConfigError,
  InvalidConfigError,
  RuntimeSettingsError,
  RuntimeSettingsTooLargeError,
} from './ConfigError.js';
export { type ConfigProblem, formatConfigProblem } from './configProblem.js';
export {
  type ChannelConfig,
  type ChannelType,
  CONFIG_VERSION,
  DEFAULT_CONFIG_FILE,
  type VaultpilotConfig,
  type VaultpilotConfigInput,
  VaultpilotConfigSchema,
} from './configSchema.js';
export { type DigestSchedule, digestSchedule, RPO_CHECK_SCHEDULE } from './digestSchedule.js';
export { type ConfigResult, parseConfig, requireConfig } from './parseConfig.js';
export {
  evaluateRpo,
  type RpoObservation,
  type RpoResource,
  type RpoStatus,
  type RpoThreshold,
  resolveRpoThreshold,
  shouldAlertRpo,
} from './rpoThresholds.js';
export {
  type ChannelRef,
  LAMBDA_ENVIRONMENT_LIMIT_BYTES,
  parseRuntimeSettings,
  RUNTIME_SETTINGS_MAX_BYTES,
  type RuntimeSettings,
  serializeRuntimeSettings,
  toRuntimeSettings,
} from './runtimeSettings.js';
export { isWatched, routineCategory, selectChannels } from './selectChannels.js';
