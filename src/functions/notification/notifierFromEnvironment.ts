/** The ledger's stores and the notifier every notifying function builds the same way from its environment. */
import { dynamoLedgerStores } from '../../aws/ledger/dynamoLedgerStores.js';
import { DeliveryQueue } from '../../aws/notify/DeliveryQueue.js';
import { EmailPublisher } from '../../aws/notify/EmailPublisher.js';
import type { LedgerStores } from '../../core/ledger/ledgerPorts.js';
import { dynamoDocumentClient, snsClient, sqsClient } from '../awsClients.js';
import type { FunctionEnvironment } from '../environment.js';
import { Notifier } from './Notifier.js';

/** Builds the ledger's stores and the notifier over the per-container clients. */
export function notifierFromEnvironment(environment: FunctionEnvironment): {
  ledger: LedgerStores;
  notifier: Notifier;
} {
  const ledger = dynamoLedgerStores({ client: dynamoDocumentClient(), tableName: environment.ledgerTable });
  const notifier = new Notifier({
    claims: ledger.claims,
    email: new EmailPublisher(snsClient(), environment.topicArn),
    deliveries: new DeliveryQueue(sqsClient(), environment.deliveryQueueUrl),
  });
  return { ledger, notifier };
}
