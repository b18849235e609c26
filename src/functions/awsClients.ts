/**
 * AWS clients, created once per Lambda container and reused across invocations (connection reuse is most of
 * a warm invocation's speed). Retries are the SDK's standard mode; timeouts keep a hung call from eating the
 * function's whole budget.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const requestHandler = { connectionTimeout: 3_000, requestTimeout: 10_000 };

let dynamo: DynamoDBDocumentClient | undefined;
let sns: SNSClient | undefined;
let sqs: SQSClient | undefined;
let secrets: SecretsManagerClient | undefined;

/** The DynamoDB document client (undefined members are dropped, as optional signal fields are). */
export function dynamoDocumentClient(): DynamoDBDocumentClient {
  dynamo ??= DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 4, requestHandler }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return dynamo;
}

export function snsClient(): SNSClient {
  sns ??= new SNSClient({ maxAttempts: 4, requestHandler });
  return sns;
}

export function sqsClient(): SQSClient {
  sqs ??= new SQSClient({ maxAttempts: 4, requestHandler });
  return sqs;
}

export function secretsManagerClient(): SecretsManagerClient {
  secrets ??= new SecretsManagerClient({ maxAttempts: 4, requestHandler });
  return secrets;
}
