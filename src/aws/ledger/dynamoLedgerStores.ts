/** Every ledger store over one DynamoDB table: what the functions' entry points build once per container. */
import type { LedgerStores } from '../../core/ledger/ledgerPorts.js';
import { DynamoJobHistory } from './DynamoJobHistory.js';
import { DynamoPolicyVersions } from './DynamoPolicyVersions.js';
import { DynamoRunLeases } from './DynamoRunLeases.js';
import { DynamoSignalClaims, type SignalClaimsOptions } from './DynamoSignalClaims.js';
import { DynamoSourceHeartbeats } from './DynamoSourceHeartbeats.js';
import { DynamoUnparsedInputs } from './DynamoUnparsedInputs.js';

/** The ledger's stores, sharing one table, client, retention and clock. */
export function dynamoLedgerStores(options: SignalClaimsOptions): LedgerStores {
  return {
    claims: new DynamoSignalClaims(options),
    jobs: new DynamoJobHistory(options),
    policies: new DynamoPolicyVersions(options),
    unparsed: new DynamoUnparsedInputs(options),
    leases: new DynamoRunLeases(options),
    sources: new DynamoSourceHeartbeats(options),
  };
}
