/** The ledger and notifier every notifying function builds the same way from its environment. */
import { Ledger } from '../../aws/ledger/Ledger.js';
import { DeliveryQueue } from '../../aws/notify/DeliveryQueue.js';
import { EmailPublisher } from '../../aws/notify/EmailPublisher.js';
import { dynamoDocumentClient, snsClient, sqsClient } from '../awsClients.js';
import type { FunctionEnvironment } from '../environment.js';
import { Notifier } from './Notifier.js';

/** Builds the ledger and the notifier over the per-container clients. */
export function notifierFromEnvironment(environment: FunctionEnvironment): { ledger: Ledger; notifier: Notifier } {
  const ledger = new Ledger({ client: dynamoDocumentClient(), tableName: environment.ledgerTable });
  const notifier = new Notifier({
    ledger,
    email: new EmailPublisher(snsClient(), environment.topicArn),
    deliveries: new DeliveryQueue(sqsClient(), environment.deliveryQueueUrl),
  });
  return { ledger, notifier };
}
