import { Duration, type Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { VaultpilotFunction } from '../constructs/VaultpilotFunction.js';
import { secretArnPattern } from '../secretArnPattern.js';
import { encryptedQueue } from './encryptedQueue.js';

/** The delivery queue (Slack, Teams, webhooks) and its dead letters; the function comes with `addDelivery`. */
export class DeliveryPipeline {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  delivery?: VaultpilotFunction;

  constructor(
    private readonly stack: Stack,
    key: kms.IKey,
  ) {
    this.deadLetterQueue = encryptedQueue(stack, 'DeliveryDeadLetters', key, { retentionPeriod: Duration.days(14) });
    this.queue = encryptedQueue(stack, 'DeliveryQueue', key, {
      visibilityTimeout: Duration.minutes(3),
      retentionPeriod: Duration.days(4),
      // Each receive makes a few attempts with backoff inside one invocation and returns what it could not
      // deliver; after 8 receives a job rests in the dead-letter queue.
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 8 },
    });
  }

  /** The delivery function, which claims each job in the ledger and reads exactly the webhook secrets. */
  addDelivery(props: {
    readonly projectRoot: string;
    readonly key: kms.IKey;
    readonly environment: Readonly<Record<string, string>>;
    readonly ledger: dynamodb.ITable;
    readonly webhookSecrets: readonly string[];
    readonly logRetention?: logs.RetentionDays;
  }): VaultpilotFunction {
    const delivery = new VaultpilotFunction(this.stack, 'Delivery', {
      handler: 'delivery',
      projectRoot: props.projectRoot,
      logKey: props.key,
      logRetention: props.logRetention,
      environment: props.environment,
      timeout: Duration.seconds(30),
    });
    delivery.function.addEventSource(
      new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: 5 }),
    );
    // The delivery function claims each job in the ledger so a redelivered message is not posted twice.
    props.ledger.grantReadWriteData(delivery.function);
    if (props.webhookSecrets.length > 0) {
      delivery.role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          resources: props.webhookSecrets.map((secret) => secretArnPattern(this.stack, secret)),
        }),
      );
    }
    this.delivery = delivery;
    return delivery;
  }
}
