/**
 * The actions table of one account and Region: one item per recovery point and attempt, claimed with a
 * conditional write before the workflow starts (duplicated and out-of-order trigger events start one export),
 * then updated with the execution and finally the outcome.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ActionResultDetail } from '../../core/actions/actionResultEvent.js';
import { ACTION_ERRORS } from '../../core/actions/exportWorkflow.js';
import { actionErrorOf } from './awsErrors.js';

/** Claims and outcomes are kept this long (a year and a month: past a yearly audit). */
const RETENTION_DAYS = 400;

/** The state of one recovery point's attempt. */
export interface ActionRecord {
  readonly recoveryPointArn: string;
  readonly attempt: number;
  /** `claimed` (before StartExecution), `started`, or the outcome. */
  readonly status: string;
  readonly executionName: string;
  readonly executionArn?: string;
  readonly claimedAt: string;
  readonly finishedAt?: string;
  /** The execution input of the claim, so that a retried start sends the same one. */
  readonly input?: unknown;
}

export type ClaimResult = { readonly claimed: true } | { readonly claimed: false; readonly existing: ActionRecord };

export class ActionLedger {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  private key(recoveryPointArn: string, attempt: number) {
    return { pk: `action#${recoveryPointArn}`, sk: `attempt#${attempt}` };
  }

  private expiresAt(): number {
    return Math.floor(this.now() / 1000) + RETENTION_DAYS * 86_400;
  }

  /** Claims the attempt for `executionName`; the existing record when another trigger claimed it first. */
  async claim(recoveryPointArn: string, attempt: number, executionName: string, input?: unknown): Promise<ClaimResult> {
    const record: ActionRecord = {
      recoveryPointArn,
      attempt,
      status: 'claimed',
      executionName,
      claimedAt: new Date(this.now()).toISOString(),
      ...(input !== undefined ? { input } : {}),
    };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...this.key(recoveryPointArn, attempt), ...record, expiresAt: this.expiresAt() },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { claimed: true };
    } catch (error) {
      if (
        error instanceof ConditionalCheckFailedException ||
        (error as Error).name === 'ConditionalCheckFailedException'
      ) {
        const existing = await this.get(recoveryPointArn, attempt);
        if (existing) return { claimed: false, existing };
      }
      throw actionErrorOf(error, `claiming ${recoveryPointArn} attempt ${attempt}`, ACTION_ERRORS.transient);
    }
  }

  async get(recoveryPointArn: string, attempt: number): Promise<ActionRecord | undefined> {
    try {
      const out = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: this.key(recoveryPointArn, attempt), ConsistentRead: true }),
      );
      return out.Item as ActionRecord | undefined;
    } catch (error) {
      throw actionErrorOf(error, `reading the claim of ${recoveryPointArn}`, ACTION_ERRORS.transient);
    }
  }

  /** Notes the execution that runs the claimed attempt (never moves a finished record back). */
  async markStarted(recoveryPointArn: string, attempt: number, executionArn: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(recoveryPointArn, attempt),
          UpdateExpression: 'SET #status = :started, executionArn = :arn',
          ConditionExpression: '#status = :claimed',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':started': 'started', ':claimed': 'claimed', ':arn': executionArn },
        }),
      );
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return;
      throw actionErrorOf(error, `recording the execution of ${recoveryPointArn}`, ACTION_ERRORS.transient);
    }
  }

  /** Records how the attempt ended (idempotent: a repeated call writes the same outcome again). */
  async recordOutcome(attempt: number, detail: ActionResultDetail): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(detail.recoveryPointArn, attempt),
          UpdateExpression:
            'SET #status = :outcome, finishedAt = :at, outcome = :detail, expiresAt = :exp, ' +
            'executionName = if_not_exists(executionName, :none), claimedAt = if_not_exists(claimedAt, :at), ' +
            'recoveryPointArn = :rp, attempt = :attempt',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':outcome': detail.outcome,
            ':at': detail.finishedAt,
            ':detail': detail,
            ':exp': this.expiresAt(),
            ':none': 'unknown',
            ':rp': detail.recoveryPointArn,
            ':attempt': attempt,
          },
        }),
      );
    } catch (error) {
      throw actionErrorOf(error, `recording the outcome of ${detail.recoveryPointArn}`, ACTION_ERRORS.transient);
    }
  }
}
