/**
 * The handlers' configuration, read once from the environment through typed getters. A getter throws
 * MissingEnvironmentError naming the variable, so a function with an incomplete deployment fails at cold
 * start with a message that says what to fix. Variable names come from the deployment contract.
 */
import { parseRuntimeSettings, type RuntimeSettings } from '../core/config/runtimeSettings.js';
import { ENV, METRIC_NAMESPACE } from '../core/deployment/contract.js';
import { InvalidEnvironmentError, MissingEnvironmentError } from './FunctionError.js';

type Environment = Readonly<Record<string, string | undefined>>;

/** Typed access to the handlers' environment variables. */
export class FunctionEnvironment {
  private settingsCache: RuntimeSettings | undefined;

  constructor(private readonly env: Environment = process.env) {}

  /** DynamoDB ledger table name (VAULTPILOT_LEDGER_TABLE). */
  get ledgerTable(): string {
    return this.required(ENV.ledgerTable);
  }

  /** SNS topic for email notifications (VAULTPILOT_TOPIC_ARN). */
  get topicArn(): string {
    return this.required(ENV.topicArn);
  }

  /** SQS queue feeding the delivery function (VAULTPILOT_DELIVERY_QUEUE_URL). */
  get deliveryQueueUrl(): string {
    return this.required(ENV.deliveryQueueUrl);
  }

  /** Optional SNS topic that receives every unparsed input as it was (VAULTPILOT_UNPARSED_TOPIC_ARN). */
  get unparsedTopicArn(): string | undefined {
    return this.optional(ENV.unparsedTopicArn);
  }

  /** CloudWatch namespace for EMF metrics (VAULTPILOT_METRIC_NAMESPACE), default `Vaultpilot`. */
  get metricNamespace(): string {
    return this.optional(ENV.metricNamespace) ?? METRIC_NAMESPACE;
  }

  /** The runtime settings (VAULTPILOT_SETTINGS), parsed and validated once. */
  get settings(): RuntimeSettings {
    if (!this.settingsCache) {
      const json = this.required(ENV.settings);
      try {
        this.settingsCache = parseRuntimeSettings(json);
      } catch (error) {
        throw new InvalidEnvironmentError(
          ENV.settings,
          `is invalid: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      }
    }
    return this.settingsCache;
  }

  private required(name: string): string {
    const value = this.optional(name);
    if (value === undefined) throw new MissingEnvironmentError(name);
    return value;
  }

  private optional(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value ? value : undefined;
  }
}
