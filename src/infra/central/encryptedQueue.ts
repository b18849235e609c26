import { Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** A queue encrypted with the central key that refuses non-TLS requests. */
export function encryptedQueue(
  scope: Construct,
  id: string,
  key: kms.IKey,
  props: Omit<sqs.QueueProps, 'encryption' | 'encryptionMasterKey'>,
): sqs.Queue {
  return new sqs.Queue(scope, id, {
    ...props,
    encryption: sqs.QueueEncryption.KMS,
    encryptionMasterKey: key,
    dataKeyReuse: Duration.hours(1),
    enforceSSL: true,
  });
}
